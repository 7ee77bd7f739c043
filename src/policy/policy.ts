/**
 * Scheduling policy files (policies/*.yaml): YAML validated with zod. Every error names the file,
 * line, column and field at fault, e.g.
 *   policies/bad.yaml:9:21: scoring.capacity.shape[1].utilization: must be strictly greater than the previous point's (50)
 * An empty document means "all defaults" (= upstream VolumeBindingArgs defaults, Kubernetes 1.37).
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import type { ScoringPolicy } from '../engine/score.js';
import { labelKeyError } from '../engine/selectors.js';

export const POLICY_API_VERSION = 'volume-topology-extender/v1';
export const POLICY_KIND = 'SchedulingPolicy';

const ShapePoint = z.strictObject({
  utilization: z.int().min(0).max(100),
  score: z.int().min(0).max(10),
});

const CapacityScoring = z
  .strictObject({
    enabled: z.boolean().default(true),
    scoreDynamicProvisions: z.boolean().default(true),
    weight: z.number().positive().default(1),
    shape: z.array(ShapePoint).min(1, 'needs at least one point').default([
      { utilization: 0, score: 10 },
      { utilization: 100, score: 0 },
    ]),
  })
  .superRefine((v, ctx) => {
    v.shape.forEach((p, i) => {
      const prev = v.shape[i - 1];
      if (prev !== undefined && p.utilization <= prev.utilization) {
        ctx.addIssue({
          code: 'custom',
          path: ['shape', i, 'utilization'],
          message: `must be strictly greater than the previous point's (${prev.utilization})`,
        });
      }
    });
  });

const Spreading = z
  .strictObject({
    enabled: z.boolean().default(false),
    topologyKeys: z.array(z.string()).default(['topology.kubernetes.io/zone']),
    weight: z.number().positive().default(1),
  })
  .superRefine((v, ctx) => {
    if (v.enabled && v.topologyKeys.length === 0) ctx.addIssue({ code: 'custom', path: ['topologyKeys'], message: 'needs at least one key when spreading is enabled' });
    v.topologyKeys.forEach((k, i) => {
      const err = labelKeyError(k);
      if (err) ctx.addIssue({ code: 'custom', path: ['topologyKeys', i], message: err });
    });
  });

export const PolicySchema = z.strictObject({
  apiVersion: z.literal(POLICY_API_VERSION).default(POLICY_API_VERSION),
  kind: z.literal(POLICY_KIND).default(POLICY_KIND),
  description: z.string().optional(),
  scoring: z
    .strictObject({
      capacity: CapacityScoring.default({
        enabled: true,
        scoreDynamicProvisions: true,
        weight: 1,
        shape: [
          { utilization: 0, score: 10 },
          { utilization: 100, score: 0 },
        ],
      }),
      spreading: Spreading.default({ enabled: false, topologyKeys: ['topology.kubernetes.io/zone'], weight: 1 }),
    })
    .prefault({}),
});

export type PolicyFile = z.infer<typeof PolicySchema>;

export interface LoadedPolicy {
  readonly source: string;
  readonly scoring: ScoringPolicy;
  readonly description: string | undefined;
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid policy ${source}:\n  ${problems.join('\n  ')}`);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(document)';
}

/** Position of the deepest YAML node that exists along `path`. */
function positionOf(root: YamlNode | null, path: readonly PropertyKey[], lc: LineCounter): { line: number; col: number } | undefined {
  let node: unknown = root;
  let best: YamlNode | undefined = root ?? undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && it.key.value === key);
      if (!pair) break;
      node = pair.value;
      if (pair.value && typeof pair.value === 'object') best = pair.value as YamlNode;
      else if (pair.key && typeof pair.key === 'object') best = pair.key as YamlNode;
    } else if (isSeq(node) && typeof key === 'number') {
      const item: unknown = node.items[key];
      if (!item) break;
      node = item;
      best = item as YamlNode;
    } else break;
  }
  const offset = best?.range?.[0];
  return offset === undefined ? undefined : lc.linePos(offset);
}

export function parsePolicy(text: string, source: string): LoadedPolicy {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PolicyError(
      source,
      doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return `${source}:${pos.line}:${pos.col}: YAML syntax: ${e.message.split('\n')[0] ?? e.message}`;
      }),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = PolicySchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((iss) => {
      // Point unknown keys at the key itself, so a typo is found by line number.
      const at = iss.code === 'unrecognized_keys' && iss.keys[0] !== undefined ? [...iss.path, iss.keys[0]] : iss.path;
      const pos = positionOf(doc.contents, at, lc);
      const msg = iss.code === 'unrecognized_keys' ? `unknown field(s) ${iss.keys.map((k) => `"${k}"`).join(', ')}` : iss.message;
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: ${formatPath(iss.path)}: ${msg}`;
    });
    throw new PolicyError(source, problems);
  }
  const p = parsed.data;
  return {
    source,
    description: p.description,
    scoring: {
      capacity: { ...p.scoring.capacity, shape: p.scoring.capacity.shape.map((s) => ({ ...s })) },
      spreading: { ...p.scoring.spreading, topologyKeys: [...p.scoring.spreading.topologyKeys] },
    },
  };
}

export function loadPolicyFile(path: string): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PolicyError(path, [`cannot read policy file: ${(e as Error).message}`]);
  }
  return parsePolicy(text, path);
}

/** Built-in default: upstream VolumeBindingArgs defaults with StorageCapacityScoring on (1.37). */
export function defaultPolicy(): LoadedPolicy {
  return parsePolicy('', '(built-in default)');
}
