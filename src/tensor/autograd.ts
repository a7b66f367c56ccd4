// Reverse-mode automatic differentiation over the graph the ops record (the engine of micrograd, with
// PyTorch's rules for who keeps a .grad: https://pytorch.org/docs/stable/notes/autograd.html).
// - An op's output records a Node when gradient mode is on and some input requires grad.
// - backward() walks the graph once in reverse topological order; each node's rule runs once with the
//   sum of all gradients flowing into it (a tensor used twice gets both contributions).
// - Leaves that require grad accumulate into .grad across backward calls; non-leaves keep .grad only
//   after retainGrad().
import { formatShape, sameShape } from './broadcast.ts';
import { TensorError } from './errors.ts';
import type { Node, Op, OpParams, Rule } from './ops.ts';
import { rules } from './rules.ts';
import type { Tensor } from './tensor.ts';

let gradEnabled = true;

/** Whether ops record the graph right now (false inside noGrad). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording the graph (torch.no_grad), restoring the previous mode afterwards. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Records `out = op(inputs)` in the graph when needed; returns `out`. Called by every primitive's forward. */
export function record<K extends Op>(out: Tensor, op: K, inputs: readonly Tensor[], params: OpParams[K]): Tensor {
  if (gradEnabled && inputs.some((x) => x.requiresGrad)) {
    const node: Node<K> = { op, inputs, params };
    out.setNode(node as unknown as Node);
  }
  return out;
}

/** Tensors reachable from `root` through tensors that require grad, in reverse topological order. */
function topoOrder(root: Tensor): Tensor[] {
  const post: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  // iterative DFS: the graph of a long training step may be deeper than the JS stack
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top.t.node?.inputs ?? [];
    if (top.next < inputs.length) {
      const x = inputs[top.next++];
      if (x.requiresGrad && !seen.has(x)) {
        seen.add(x);
        stack.push({ t: x, next: 0 });
      }
    } else {
      post.push(top.t);
      stack.pop();
    }
  }
  return post.reverse();
}

/** Implements Tensor.backward: `seed` is dL/droot (default 1 for a one-element root). */
export function runBackward(root: Tensor, seed: Tensor): void {
  if (!root.requiresGrad) {
    throw new TensorError('backward: element 0 of tensors does not require grad and does not have a grad_fn');
  }
  if (!sameShape(seed.shape, root.shape)) {
    throw new TensorError(
      `backward: Mismatch in shape: grad_output[0] has a shape of ${formatShape(seed.shape)} and output[0] ` +
        `has a shape of ${formatShape(root.shape)}`,
    );
  }
  const order = topoOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed.dtype === root.dtype ? seed : seed.to(root.dtype)]]);
  const table = rules();
  noGrad(() => {
    for (const t of order) {
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      const node = t.node;
      if (node === null || t.retainsGrad) t.grad = t.grad === null ? g.clone() : t.grad.add(g);
      if (node === null) continue;
      const rule = table[node.op] as Rule<Op>;
      const gin = rule(g, node, t);
      node.inputs.forEach((x, i) => {
        const gi = gin[i];
        if (gi === null || gi === undefined || !x.requiresGrad) return;
        if (!sameShape(gi.shape, x.shape)) {
          throw new TensorError(
            `backward: rule of '${node.op}' returned a gradient of shape ${formatShape(gi.shape)} for an ` +
              `input of shape ${formatShape(x.shape)} (a bug in the engine)`,
          );
        }
        const gx = gi.dtype === x.dtype ? gi : gi.to(x.dtype);
        const prev = grads.get(x);
        grads.set(x, prev === undefined ? gx : prev.add(gx));
      });
    }
  });
}
