import { test } from "node:test";
import assert from "node:assert/strict";
import { deadColumns, DeadNeuronTracker, saturationMap } from "../../src/diagnostics/saturation.ts";
import { bitImage } from "../../src/diagnostics/probe.ts";

test("saturationMap: |h| > 0.99 as a boolean image, its share, and the all-white columns", () => {
  // (2, 3): column 0 saturated in both rows (dead), column 1 in one, column 2 in none.
  const h = [0.995, -0.999, 0.5, -1, 0.2, 0.99];
  const m = saturationMap(h, 2, 3);
  assert.deepEqual(Array.from(m.bits), [1, 1, 0, 1, 0, 0]);
  assert.equal(m.share, 0.5);
  assert.deepEqual(deadColumns(m), [0]);
  assert.deepEqual(bitImage(m).bits, ["110", "100"]);
});

test("DeadNeuronTracker: a unit active on any row of any chunk is alive", () => {
  const t = new DeadNeuronTracker(3);
  t.add([1, 1, 0.1, 1, -1, 0.2], 2); // units 0 and 1 saturated in both rows
  assert.deepEqual(t.dead(), [0, 1]);
  t.add([1, 0.3, 1], 1); // unit 1 becomes active in a later chunk
  assert.deepEqual(t.dead(), [0]);
  assert.equal(t.rowsSeen, 3);
});
