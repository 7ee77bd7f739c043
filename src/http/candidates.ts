/**
 * Turns the offered nodes into engine NodeLikes and runs the engine over the known ones.
 * `NodeNames` are resolved through our cache (a name we don't know yet is reported per node,
 * never as a pod-wide error); `Nodes.items` bring their own labels.
 */
import { type FilterOptions, filterPod, type NodeResult, type PodDecision } from '../engine/filter.js';
import type { ReasonCode } from '../engine/reasons.js';
import type { Pod } from '../engine/types.js';
import type { ClusterView, NodeLike } from '../engine/view.js';
import type { NodeInput } from './wire.js';

export interface Candidate {
  readonly name: string;
  /** undefined: a NodeNames entry our cache does not know. */
  readonly node: NodeLike | undefined;
  /** The Node object as received (Nodes.items mode only). */
  readonly raw: unknown;
}

export function namedCandidates(names: Iterable<string>, view: ClusterView): Candidate[] {
  const out: Candidate[] = [];
  for (const name of names) {
    const n = view.node(name);
    out.push({ name, node: n ? { name, labels: n.metadata?.labels ?? {} } : undefined, raw: undefined });
  }
  return out;
}

export function candidatesFrom(input: NodeInput, view: ClusterView): Candidate[] {
  if (input.kind === 'names') return namedCandidates(input.names, view);
  return input.items.map((it) => ({ name: it.name, node: { name: it.name, labels: it.labels }, raw: it.raw }));
}

/** Names in input order, for fast paths that need no lookups. */
export function inputNames(input: NodeInput): readonly string[] {
  return input.kind === 'names' ? input.names : input.items.map((i) => i.name);
}

export type Evaluation =
  | { readonly kind: 'unschedulable'; readonly reason: string; readonly code: ReasonCode }
  | { readonly kind: 'error'; readonly error: string }
  | {
      readonly kind: 'evaluated';
      readonly decision: PodDecision;
      /** The nodes handed to the engine (known candidates, in input order). */
      readonly known: readonly NodeLike[];
      /** Per candidate: the engine's result, or undefined for an unknown node. */
      readonly results: readonly (NodeResult | undefined)[];
    };

/**
 * filterPod over the known candidates, with the results mapped back onto every candidate.
 * Verbs take the no-PVC fast path (podHasClaims) before resolving candidates at all; should a
 * 'skip' decision still arrive here it is reported as 'evaluated' with every known node fitting.
 */
export function evaluate(pod: Pod, candidates: readonly Candidate[], view: ClusterView, opts: FilterOptions = {}): Evaluation {
  const known: NodeLike[] = [];
  for (const c of candidates) if (c.node) known.push(c.node);
  const decision = filterPod(pod, known, view, opts);
  switch (decision.kind) {
    case 'unschedulable':
      return { kind: 'unschedulable', reason: decision.reason, code: decision.code };
    case 'error':
      return { kind: 'error', error: decision.error };
    case 'skip':
    case 'evaluated': {
      let k = 0;
      const results = candidates.map((c) => (c.node ? decision.nodes[k++] : undefined));
      return { kind: 'evaluated', decision, known, results };
    }
  }
}
