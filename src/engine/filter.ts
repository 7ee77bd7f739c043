/**
 * Filter: PreFilter (R2) + FindPodVolumes (R4–R6) for each offered node.
 */
import { type ClaimInfo, type PodClaims, preparePod } from './claims.js';
import { EngineError } from './errors.js';
import { pvAffinityOn } from './entries.js';
import { describeClaim, explainNoMatch, findMatchingVolume } from './matching.js';
import { checkProvision } from './provisioning.js';
import { formatBytes } from './quantity.js';
import {
  ErrReasonBindConflict,
  ErrReasonNodeConflict,
  ErrReasonNotEnoughSpace,
  ErrReasonPVNotExist,
  type ReasonCode,
} from './reasons.js';
import { explainMismatch, selectorMatches } from './selectors.js';
import { AnnSelectedNode, type Pod } from './types.js';
import type { CapacityEntry, ClusterView, NodeLike, PVEntry } from './view.js';

export interface StaticBinding {
  readonly claim: ClaimInfo;
  readonly pv: PVEntry;
}

export interface DynamicProvision {
  readonly claim: ClaimInfo;
  /** The CSIStorageCapacity that admitted the claim, if capacity was checked (R5.7). */
  readonly capacity: CapacityEntry | undefined;
}

export interface NodeResult {
  readonly node: string;
  readonly fits: boolean;
  /** Upstream reason strings in R6.1 order. */
  readonly reasons: readonly string[];
  readonly codes: readonly ReasonCode[];
  readonly staticBindings: readonly StaticBinding[];
  readonly provisions: readonly DynamicProvision[];
  /** Human detail naming claim, PV/StorageClass and label (only filled when asked to explain). */
  readonly explanation: readonly string[];
}

export type PodDecision =
  | { readonly kind: 'skip'; readonly nodes: readonly NodeResult[] }
  | { readonly kind: 'unschedulable'; readonly reason: string; readonly code: ReasonCode; readonly explanation: string; readonly nodes: readonly NodeResult[] }
  | { readonly kind: 'error'; readonly error: string; readonly nodes: readonly NodeResult[] }
  | { readonly kind: 'evaluated'; readonly claims: PodClaims; readonly nodes: readonly NodeResult[] };

export interface FilterOptions {
  /** Build human explanations (explain command, Events). Off on the hot path. */
  readonly explain?: boolean;
}

const NO_BINDINGS: readonly StaticBinding[] = [];
const NO_PROVISIONS: readonly DynamicProvision[] = [];
const NO_LINES: readonly string[] = [];

function byRequest(a: ClaimInfo, b: ClaimInfo): number {
  return (a.request ?? 0) - (b.request ?? 0);
}

/** FindPodVolumes for one node. Throws EngineError for scheduling errors (R6.3). */
export function evaluateNode(pc: PodClaims, node: NodeLike, view: ClusterView, opts: FilterOptions = {}): NodeResult {
  const explain = opts.explain === true;
  const lines: string[] = [];
  let boundSatisfied = true;
  let pvsFound = true;
  let unboundSatisfied = true;
  let sufficient = true;
  let staticBindings: StaticBinding[] = [];
  let provisions: DynamicProvision[] = [];

  const migrated = view.migratedPlugins(node.name);
  // Part A — bound claims (R4.1): stop at the first missing PV or affinity conflict.
  for (const c of pc.bound) {
    const pv = view.pv(c.volumeName);
    if (!pv) {
      pvsFound = false;
      if (explain) lines.push(`pvc ${c.name} is bound to PV ${c.volumeName}, which does not exist`);
      break;
    }
    const affinity = pvAffinityOn(pv, migrated);
    if (!selectorMatches(affinity, node.labels)) {
      boundSatisfied = false;
      if (explain) lines.push(`pvc ${c.name} is bound to PV ${pv.name}, and PV ${pv.name} ${explainMismatch(affinity, node.labels, node.name)}`);
      break;
    }
    if (explain) lines.push(`pvc ${c.name} is bound to PV ${pv.name} (node affinity matches)`);
  }

  // Part B — unbound WaitForFirstConsumer claims (R5).
  partB: if (pc.delay.length > 0) {
    const toProvision: ClaimInfo[] = [];
    const toMatch: ClaimInfo[] = [];
    for (const c of pc.delay) {
      if (c.selectedNode !== undefined) {
        if (c.selectedNode !== node.name) {
          unboundSatisfied = false;
          if (explain) {
            const stale = view.node(c.selectedNode) === undefined;
            lines.push(
              `pvc ${c.name} has ${AnnSelectedNode}=${c.selectedNode} from an earlier attempt, so only node ${c.selectedNode} can be used` +
                (stale ? `; node ${c.selectedNode} no longer exists (stale annotation: clear it to release the pod)` : ''),
            );
          }
          break partB;
        }
        toProvision.push(c);
      } else toMatch.push(c);
    }

    if (toMatch.length > 0) {
      toMatch.sort(byRequest); // stable, like Go's insertion sort for small n
      const chosen = new Set<string>();
      for (const c of toMatch) {
        const pv = findMatchingVolume(c, view.pvClass(c.className), node, chosen, migrated);
        if (pv) {
          chosen.add(pv.name);
          staticBindings.push({ claim: c, pv });
          if (explain) lines.push(`${describeClaim(c)} → PV ${pv.name} (${formatBytes(pv.capacity)})`);
        } else {
          unboundSatisfied = false;
          toProvision.push(c);
          if (explain) lines.push(explainNoMatch(c, view.pvClass(c.className), node, chosen, migrated));
        }
      }
    }

    if (toProvision.length > 0) {
      unboundSatisfied = true;
      for (const c of toProvision) {
        const check = checkProvision(c, node, view, explain);
        if (!check.ok) {
          provisions = [];
          if (check.code === 'bind_conflict') unboundSatisfied = false;
          else sufficient = false;
          if (explain) lines.push(`pvc ${c.name}: ${check.detail}`);
          break;
        }
        provisions.push({ claim: c, capacity: check.capacity });
        if (explain) lines.push(`pvc ${c.name} → ${check.detail}`);
      }
    }
  }

  const reasons: string[] = [];
  const codes: ReasonCode[] = [];
  if (!boundSatisfied) {
    reasons.push(ErrReasonNodeConflict);
    codes.push('node_affinity_conflict');
  }
  if (!unboundSatisfied) {
    reasons.push(ErrReasonBindConflict);
    codes.push('bind_conflict');
  }
  if (!sufficient) {
    reasons.push(ErrReasonNotEnoughSpace);
    codes.push('not_enough_space');
  }
  if (!pvsFound) {
    reasons.push(ErrReasonPVNotExist);
    codes.push('pv_not_exist');
  }
  const fits = reasons.length === 0;
  if (!fits) {
    staticBindings = [];
    provisions = [];
  }
  return {
    node: node.name,
    fits,
    reasons,
    codes,
    staticBindings: staticBindings.length ? staticBindings : NO_BINDINGS,
    provisions: provisions.length ? provisions : NO_PROVISIONS,
    explanation: lines.length ? lines : NO_LINES,
  };
}

function uniform(nodes: readonly NodeLike[], fits: boolean, reason: string | undefined, code: ReasonCode | undefined, line: string | undefined): NodeResult[] {
  const reasons = reason === undefined ? [] : [reason];
  const codes = code === undefined ? [] : [code];
  const explanation = line === undefined ? NO_LINES : [line];
  return nodes.map((n) => ({ node: n.name, fits, reasons, codes, staticBindings: NO_BINDINGS, provisions: NO_PROVISIONS, explanation }));
}

/** The filter verb's core: classify the pod's claims once, then evaluate every node. */
export function filterPod(pod: Pod, nodes: readonly NodeLike[], view: ClusterView, opts: FilterOptions = {}): PodDecision {
  const prep = preparePod(pod, view);
  switch (prep.kind) {
    case 'skip':
      return { kind: 'skip', nodes: uniform(nodes, true, undefined, undefined, opts.explain ? 'pod has no PersistentVolumeClaims: volumes do not constrain placement' : undefined) };
    case 'unschedulable':
      return { ...prep, nodes: uniform(nodes, false, prep.reason, prep.code, prep.explanation) };
    case 'error':
      return { kind: 'error', error: prep.error, nodes: uniform(nodes, false, undefined, undefined, `scheduling error: ${prep.error}`) };
    case 'ready':
      break;
  }
  try {
    const results = nodes.map((n) => evaluateNode(prep.claims, n, view, opts));
    return { kind: 'evaluated', claims: prep.claims, nodes: results };
  } catch (e) {
    if (e instanceof EngineError) {
      return { kind: 'error', error: e.message, nodes: uniform(nodes, false, undefined, undefined, `scheduling error: ${e.message}`) };
    }
    throw e;
  }
}
