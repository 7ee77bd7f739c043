/**
 * Turns the offered nodes into engine NodeLikes and runs the engine over the known ones.
 * `NodeNames` are resolved through our cache (a name we don't know yet is reported per node,
 * never as a pod-wide error); `Nodes.items` bring their own labels.
 *
 * A filter call offers every node (5,000 in a large cluster), so the offered nodes are parallel
 * arrays rather than an object per node, and known nodes are the store's own NodeLikes.
 */
import { type FilterOptions, filterPod, filterPodVerdicts, type NodeResult, type PodDecision, type Verdict } from '../engine/filter.js';
import type { ReasonCode } from '../engine/reasons.js';
import type { Pod } from '../engine/types.js';
import type { ClusterView, NodeLike } from '../engine/view.js';
import type { NodeInput } from './wire.js';

export interface Candidates {
  /** Offered node names, in input order. */
  readonly names: readonly string[];
  /** Per name: the node, or undefined for a NodeNames entry our cache does not know. */
  readonly nodes: readonly (NodeLike | undefined)[];
  /** Nodes.items mode: the Node objects as received, per name. */
  readonly raws: readonly unknown[] | undefined;
}

export function namedCandidates(names: readonly string[], view: ClusterView): Candidates {
  return { names, nodes: view.nodeLikes(names), raws: undefined };
}

export function candidatesFrom(input: NodeInput, view: ClusterView): Candidates {
  if (input.kind === 'names') return namedCandidates(input.names, view);
  return {
    names: input.items.map((it) => it.name),
    nodes: input.items.map((it) => ({ name: it.name, labels: it.labels })),
    raws: input.items.map((it) => it.raw),
  };
}

/** Names in input order, for fast paths that need no lookups. */
export function inputNames(input: NodeInput): readonly string[] {
  return input.kind === 'names' ? input.names : input.items.map((i) => i.name);
}

/** The known candidates, in order: the same array when every candidate is known (the usual case). */
function knownNodes(nodes: readonly (NodeLike | undefined)[]): readonly NodeLike[] {
  if (!nodes.includes(undefined)) return nodes as readonly NodeLike[];
  const known: NodeLike[] = [];
  for (const n of nodes) if (n) known.push(n);
  return known;
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
export function evaluate(pod: Pod, candidates: Candidates, view: ClusterView, opts: FilterOptions = {}): Evaluation {
  const known = knownNodes(candidates.nodes);
  const decision = filterPod(pod, known, view, opts);
  switch (decision.kind) {
    case 'unschedulable':
      return { kind: 'unschedulable', reason: decision.reason, code: decision.code };
    case 'error':
      return { kind: 'error', error: decision.error };
    case 'skip':
    case 'evaluated': {
      if (known.length === candidates.nodes.length) return { kind: 'evaluated', decision, known, results: decision.nodes };
      let k = 0;
      const results = candidates.nodes.map((n) => (n ? decision.nodes[k++] : undefined));
      return { kind: 'evaluated', decision, known, results };
    }
  }
}

/** Verdict of a candidate our cache does not know (never a real verdict: those are 0..15). */
export const UNKNOWN_NODE: Verdict = 255;

export type VerdictEvaluation =
  | { readonly kind: 'unschedulable'; readonly reason: string; readonly code: ReasonCode }
  | { readonly kind: 'error'; readonly error: string }
  | {
      readonly kind: 'evaluated';
      /** The nodes handed to the engine (known candidates, in input order). */
      readonly known: readonly NodeLike[];
      /** Per candidate: the engine's verdict (0 = fits), or UNKNOWN_NODE. */
      readonly verdicts: Uint8Array;
    };

/** evaluate() for the filter verb: verdicts instead of NodeResults (filterPodVerdicts). */
export function evaluateVerdicts(pod: Pod, candidates: Candidates, view: ClusterView): VerdictEvaluation {
  const known = knownNodes(candidates.nodes);
  const d = filterPodVerdicts(pod, known, view);
  switch (d.kind) {
    case 'unschedulable':
      return { kind: 'unschedulable', reason: d.reason, code: d.code };
    case 'error':
      return d;
    case 'skip':
    case 'evaluated': {
      const mine = d.kind === 'skip' ? new Uint8Array(known.length) : d.verdicts;
      if (known.length === candidates.nodes.length) return { kind: 'evaluated', known, verdicts: mine };
      const verdicts = new Uint8Array(candidates.nodes.length);
      let k = 0;
      candidates.nodes.forEach((n, i) => {
        verdicts[i] = n ? mine[k++]! : UNKNOWN_NODE;
      });
      return { kind: 'evaluated', known, verdicts };
    }
  }
}
