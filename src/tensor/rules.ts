// The table of derivative rules, one per primitive of ops.ts. Its type is the mapped type Rules, so a
// primitive without a rule does not compile. Built on first use: the op files import the engine and the
// engine imports this table, so building it at load time could see an op file not yet evaluated.
import { elementwiseRules } from './elementwise.ts';
import { indexingRules } from './indexing.ts';
import { joinRules } from './join.ts';
import { lossRules } from './loss.ts';
import { maskingRules } from './masking.ts';
import { matmulRules } from './matmul.ts';
import type { Rules } from './ops.ts';
import { reduceRules } from './reduce.ts';
import { shapeRules } from './shape.ts';
import { unaryRules } from './unary.ts';

let table: Rules | undefined;

export function rules(): Rules {
  table ??= {
    ...elementwiseRules,
    ...unaryRules,
    ...reduceRules,
    ...matmulRules,
    ...shapeRules,
    ...indexingRules,
    ...joinRules,
    ...maskingRules,
    ...lossRules,
  };
  return table;
}
