// Reductions over float32 buffers in linear memory.

// sum(x[0..n)) for a float32 buffer at byte offset `x`: four lanes of partial sums, then the tail.
export function sumF32(x: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    acc = f32x4.add(acc, v128.load(x + (<usize>i << 2)));
  }
  let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) +
          f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; i < n; i++) s += load<f32>(x + (<usize>i << 2));
  return s;
}
