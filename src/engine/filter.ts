/**
 * Filter: PreFilter (R2) + FindPodVolumes (R4–R6) for each offered node.
 */
import { type ClaimInfo, type PodClaims, preparePod } from './claims.js';
import { EngineError } from './errors.js';
import { pvAffinityOn } from './entries.js';
import { describeClaim, explainNoMatch, findMatchingVolume, PickedVolumes } from './matching.js';
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
import { AnnSelectedNode, NotSupportedProvisioner, type Pod } from './types.js';
import type { CapacityEntry, ClusterView, NodeLike, PVClassIndex, PVEntry } from './view.js';

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
  /** The reasons as one wire message, joined by ", " (R16.1); "" when the node fits. */
  readonly message: string;
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
  /**
   * Record each fitting node's plan (static bindings, provisions). Default true; the filter and
   * preempt verbs only need fits/reasons and turn it off to save allocations per node.
   */
  readonly plans?: boolean;
}

const NO_BINDINGS: readonly StaticBinding[] = [];
const NO_PROVISIONS: readonly DynamicProvision[] = [];
const NO_LINES: readonly string[] = [];
const NO_CODES: readonly ReasonCode[] = [];

export interface Rejection {
  readonly reasons: readonly string[];
  readonly codes: readonly ReasonCode[];
  readonly message: string;
}

const NODE_CONFLICT = 1;
const BIND_CONFLICT = 2;
const NOT_ENOUGH_SPACE = 4;
const PV_NOT_EXIST = 8;

/** R6.1 order. */
const REASON_BITS: readonly (readonly [number, string, ReasonCode])[] = [
  [NODE_CONFLICT, ErrReasonNodeConflict, 'node_affinity_conflict'],
  [BIND_CONFLICT, ErrReasonBindConflict, 'bind_conflict'],
  [NOT_ENOUGH_SPACE, ErrReasonNotEnoughSpace, 'not_enough_space'],
  [PV_NOT_EXIST, ErrReasonPVNotExist, 'pv_not_exist'],
];

/**
 * The 16 possible per-node reason lists, built once: most offered nodes are rejected, and each
 * would otherwise allocate its own reasons, codes and joined message.
 */
const REJECTIONS: readonly Rejection[] = Array.from({ length: 16 }, (_, mask): Rejection => {
  const hit = REASON_BITS.filter(([bit]) => (mask & bit) !== 0);
  const reasons = Object.freeze(hit.map(([, reason]) => reason));
  return { reasons, codes: Object.freeze(hit.map(([, , code]) => code)), message: reasons.join(', ') };
});

const NO_CHOSEN = new PickedVolumes();
/** Reused across nodes (evaluateCore is synchronous and never re-entered). */
const scratchChosen = new PickedVolumes();
const scratchUnmatched: ClaimInfo[] = [];

/** Node-independent lookups for one claim the pod matches statically (R5.2 order). */
interface ClaimLookup {
  readonly claim: ClaimInfo;
  readonly index: PVClassIndex;
  /** PVs of the class pre-bound to this claim (R5.4). */
  readonly prebound: readonly PVEntry[];
  /**
   * The claim's StorageClass exists and cannot provision (no or the "no-provisioner"
   * provisioner): R5.5 rejects it with a bind conflict on every node, without an error.
   */
  readonly neverProvisions: boolean;
}

/** Node-independent facts of one filter call, computed once rather than once per (node, claim). */
export interface PodLookups {
  readonly claims: readonly ClaimLookup[];
  /** The first statically matched claim's selector error (R5.3.1): static matching throws it on any node. */
  readonly selectorError: string | undefined;
}

export function podLookups(pc: PodClaims, view: ClusterView): PodLookups {
  let selectorError: string | undefined;
  const claims = pc.delayToMatch.map((claim) => {
    const index = view.pvClass(claim.className);
    selectorError ??= claim.selectorError;
    const sc = claim.className === '' ? undefined : view.storageClass(claim.className);
    const neverProvisions = sc !== undefined && (sc.provisioner === '' || sc.provisioner === NotSupportedProvisioner);
    return { claim, index, prebound: index.preboundTo(claim.key), neverProvisions };
  });
  return { claims, selectorError };
}

/** Where evaluateCore records a fitting node's plan (only when plans or explanations are wanted). */
interface PlanSink {
  staticBindings: StaticBinding[] | undefined;
  provisions: DynamicProvision[] | undefined;
}

/**
 * A node's verdict as a bit set of the R6.1 reasons: 0 = fits. Index into rejection() for the
 * reasons, codes and wire message.
 */
export type Verdict = number;

/** The reasons, codes and joined wire message of a non-zero verdict (shared objects). */
export function rejection(verdict: Verdict): Rejection {
  return REJECTIONS[verdict]!;
}

/**
 * FindPodVolumes for one node (R4–R6), as a verdict. `sink` receives the plan of a fitting node
 * and `lines` the explanation; both are left out on the filter hot path, which then allocates
 * nothing per node. Throws EngineError for scheduling errors (R6.3).
 */
function evaluateCore(pc: PodClaims, node: NodeLike, view: ClusterView, lookups: PodLookups, sink: PlanSink | undefined, lines: string[] | undefined): Verdict {
  let boundSatisfied = true;
  let pvsFound = true;
  let unboundSatisfied = true;
  let sufficient = true;

  // Part A — bound claims (R4.1): stop at the first missing PV or affinity conflict.
  const migrated = pc.bound.length > 0 ? view.migratedPlugins(node.name) : undefined;
  for (const c of pc.bound) {
    const pv = view.pv(c.volumeName);
    if (!pv) {
      pvsFound = false;
      lines?.push(`pvc ${c.name} is bound to PV ${c.volumeName}, which does not exist`);
      break;
    }
    const affinity = pvAffinityOn(pv, migrated!);
    if (!selectorMatches(affinity, node.labels)) {
      boundSatisfied = false;
      lines?.push(`pvc ${c.name} is bound to PV ${pv.name}, and PV ${pv.name} ${explainMismatch(affinity, node.labels, node.name)}`);
      break;
    }
    lines?.push(`pvc ${c.name} is bound to PV ${pv.name} (node affinity matches)`);
  }

  // Part B — unbound WaitForFirstConsumer claims (R5).
  partB: if (pc.delay.length > 0) {
    // R5.1: a claim pinned to another node fails this node outright.
    for (const c of pc.delaySelected) {
      if (c.selectedNode !== node.name) {
        unboundSatisfied = false;
        if (lines) {
          const stale = view.node(c.selectedNode ?? '') === undefined;
          lines.push(
            `pvc ${c.name} has ${AnnSelectedNode}=${c.selectedNode ?? ''} from an earlier attempt, so only node ${c.selectedNode ?? ''} can be used` +
              (stale ? `; node ${c.selectedNode ?? ''} no longer exists (stale annotation: clear it to release the pod)` : ''),
          );
        }
        break partB;
      }
    }
    // Claims without a static match, in matching order; provisioning (R5.5) checks the
    // annotated claims first, then these. A scratch list (evaluateCore is never re-entered),
    // reset by count: `length = 0` would drop its backing store and reallocate it per node.
    const unmatched = scratchUnmatched;
    let unmatchedCount = 0;

    const matching = lookups.claims;
    if (matching.length > 0) {
      if (lookups.selectorError !== undefined) throw new EngineError(lookups.selectorError);
      let chosen = NO_CHOSEN;
      if (matching.length > 1) {
        scratchChosen.clear();
        chosen = scratchChosen;
      }
      for (const { claim: c, index, prebound, neverProvisions } of matching) {
        const pv = findMatchingVolume(c, index, node, chosen, prebound);
        if (pv) {
          if (chosen === scratchChosen) scratchChosen.add(pv);
          if (sink) (sink.staticBindings ??= []).push({ claim: c, pv });
          lines?.push(`${describeClaim(c)} → PV ${pv.name} (${formatBytes(pv.capacity)})`);
        } else {
          if (unmatchedCount < unmatched.length) unmatched[unmatchedCount] = c;
          else unmatched.push(c);
          unmatchedCount++;
          if (lines === undefined) {
            // R5.5 checks the claims to provision in order and stops at the first failure: this
            // claim fails it on every node, so later claims cannot change the node's result.
            if (neverProvisions) break;
          } else lines.push(explainNoMatch(c, index, node, chosen));
        }
      }
    }

    const annotated = pc.delaySelected;
    const toProvision = annotated.length + unmatchedCount;
    for (let k = 0; k < toProvision; k++) {
      const c = k < annotated.length ? annotated[k]! : unmatched[k - annotated.length]!;
      const check = checkProvision(c, node, view, lines !== undefined, sink !== undefined);
      if (!check.ok) {
        if (sink) sink.provisions = undefined;
        if (check.code === 'bind_conflict') unboundSatisfied = false;
        else sufficient = false;
        lines?.push(`pvc ${c.name}: ${check.detail}`);
        break;
      }
      if (sink) (sink.provisions ??= []).push({ claim: c, capacity: check.capacity });
      lines?.push(`pvc ${c.name} → ${check.detail}`);
    }
  }
  return (boundSatisfied ? 0 : NODE_CONFLICT) | (unboundSatisfied ? 0 : BIND_CONFLICT) | (sufficient ? 0 : NOT_ENOUGH_SPACE) | (pvsFound ? 0 : PV_NOT_EXIST);
}

/** FindPodVolumes for one node. Throws EngineError for scheduling errors (R6.3). */
export function evaluateNode(
  pc: PodClaims,
  node: NodeLike,
  view: ClusterView,
  opts: FilterOptions = {},
  lookups: PodLookups = podLookups(pc, view),
): NodeResult {
  // Lines are only built when explaining (`lines?.push(...)` does not evaluate its argument otherwise).
  const lines: string[] | undefined = opts.explain === true ? [] : undefined;
  const sink: PlanSink | undefined = opts.plans !== false || lines !== undefined ? { staticBindings: undefined, provisions: undefined } : undefined;
  const verdict = evaluateCore(pc, node, view, lookups, sink, lines);
  if (verdict === 0) {
    return {
      node: node.name,
      fits: true,
      reasons: NO_LINES,
      codes: NO_CODES,
      message: '',
      staticBindings: sink?.staticBindings ?? NO_BINDINGS,
      provisions: sink?.provisions ?? NO_PROVISIONS,
      explanation: lines ?? NO_LINES,
    };
  }
  const r = REJECTIONS[verdict]!;
  return {
    node: node.name,
    fits: false,
    reasons: r.reasons,
    codes: r.codes,
    message: r.message,
    staticBindings: NO_BINDINGS,
    provisions: NO_PROVISIONS,
    explanation: lines ?? NO_LINES,
  };
}

export type PodVerdicts =
  | { readonly kind: 'skip' }
  | { readonly kind: 'unschedulable'; readonly reason: string; readonly code: ReasonCode; readonly explanation: string }
  | { readonly kind: 'error'; readonly error: string }
  | { readonly kind: 'evaluated'; readonly claims: PodClaims; readonly verdicts: Uint8Array };

/**
 * filterPod for the filter verb, which only needs fits and reasons: one verdict per node
 * (Uint8Array, input order), no per-node objects. Same decision as filterPod without explain.
 */
export function filterPodVerdicts(pod: Pod, nodes: readonly NodeLike[], view: ClusterView): PodVerdicts {
  const prep = preparePod(pod, view);
  if (prep.kind !== 'ready') return prep;
  const verdicts = new Uint8Array(nodes.length);
  try {
    const lookups = podLookups(prep.claims, view);
    for (let i = 0; i < nodes.length; i++) verdicts[i] = evaluateCore(prep.claims, nodes[i]!, view, lookups, undefined, undefined);
  } catch (e) {
    if (e instanceof EngineError) return { kind: 'error', error: e.message };
    throw e;
  }
  return { kind: 'evaluated', claims: prep.claims, verdicts };
}

function uniform(nodes: readonly NodeLike[], fits: boolean, reason: string | undefined, code: ReasonCode | undefined, line: string | undefined): NodeResult[] {
  const reasons = reason === undefined ? [] : [reason];
  const codes = code === undefined ? [] : [code];
  const explanation = line === undefined ? NO_LINES : [line];
  const message = reason ?? '';
  return nodes.map((n) => ({ node: n.name, fits, reasons, codes, message, staticBindings: NO_BINDINGS, provisions: NO_PROVISIONS, explanation }));
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
    const lookups = podLookups(prep.claims, view);
    const results = nodes.map((n) => evaluateNode(prep.claims, n, view, opts, lookups));
    return { kind: 'evaluated', claims: prep.claims, nodes: results };
  } catch (e) {
    if (e instanceof EngineError) {
      return { kind: 'error', error: e.message, nodes: uniform(nodes, false, undefined, undefined, `scheduling error: ${e.message}`) };
    }
    throw e;
  }
}
