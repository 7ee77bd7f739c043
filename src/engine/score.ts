/**
 * Scoring (R7) plus optional failure-domain spreading, combined by policy weights.
 * Node scores are on the framework's 0–100 scale; the extender wire divides by 10 (R16.2).
 */
import type { DynamicProvision, NodeResult, PodDecision, StaticBinding } from './filter.js';
import type { Pod } from './types.js';
import type { ClusterView, NodeLike } from './view.js';

export const MAX_NODE_SCORE = 100;
export const MAX_EXTENDER_PRIORITY = 10;

export interface ShapePoint {
  /** 0–100, strictly increasing along the shape. */
  readonly utilization: number;
  /** 0–10 (MaxCustomPriorityScore); multiplied by 10 before use. */
  readonly score: number;
}

export interface ScoringPolicy {
  readonly capacity: {
    readonly enabled: boolean;
    /** StorageCapacityScoring: score dynamic provisions from CSIStorageCapacity (R7.2/R7.3). */
    readonly scoreDynamicProvisions: boolean;
    readonly shape: readonly ShapePoint[];
    readonly weight: number;
  };
  readonly spreading: {
    readonly enabled: boolean;
    readonly topologyKeys: readonly string[];
    readonly weight: number;
  };
}

type Shape = (utilization: number) => number;

/** Go integer division truncates toward zero. */
function idiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

/** Half away from zero, as Go's math.Round. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

// f(u) = s[i-1] + (s[i]-s[i-1]) * (u-u[i-1]) / (u[i]-u[i-1]) between shape points; flat outside.
export function brokenLinear(points: readonly ShapePoint[]): Shape {
  const pts = points.map((p) => ({ u: p.utilization, s: p.score * (MAX_NODE_SCORE / MAX_EXTENDER_PRIORITY) }));
  return (u: number): number => {
    let i = 0;
    while (i < pts.length && u > pts[i]!.u) i++;
    if (i === 0) return pts[0]?.s ?? 0;
    if (i === pts.length) return pts[pts.length - 1]!.s;
    const a = pts[i - 1]!;
    const b = pts[i]!;
    return a.s + idiv((b.s - a.s) * (u - a.u), b.u - a.u);
  };
}

interface ClassResource {
  requested: number;
  capacity: number;
}

/** R7.3: per-class requested/capacity for one node's plan. */
export function classResources(
  staticBindings: readonly StaticBinding[],
  provisions: readonly DynamicProvision[],
  scoreDynamicProvisions: boolean,
): Map<string, ClassResource> {
  const out = new Map<string, ClassResource>();
  const bucket = (cls: string): ClassResource => {
    let r = out.get(cls);
    if (!r) {
      r = { requested: 0, capacity: 0 };
      out.set(cls, r);
    }
    return r;
  };
  if (staticBindings.length > 0 || !scoreDynamicProvisions) {
    for (const b of staticBindings) {
      const r = bucket(b.pv.pv.spec?.storageClassName ?? '');
      r.requested += b.claim.request ?? 0;
      r.capacity += b.pv.capacity;
    }
  } else {
    for (const p of provisions) {
      if (p.capacity?.capacity === undefined) continue;
      const r = bucket(p.claim.pvc.spec?.storageClassName ?? '');
      r.capacity = p.capacity.capacity; // assigned, not summed: one pool per class on a node
      r.requested += p.claim.request ?? 0;
    }
  }
  return out;
}

// utilization = capacity==0 || requested>capacity ? 100 : floor(requested*100/capacity); score = round(mean(shape(utilization)) over classes)
export function capacityScore(resources: ReadonlyMap<string, ClassResource>, shape: Shape): number {
  if (resources.size === 0) return 0;
  let sum = 0;
  for (const r of resources.values()) {
    const u = r.capacity === 0 || r.requested > r.capacity ? 100 : Math.floor((r.requested * 100) / r.capacity);
    sum += shape(u);
  }
  return roundHalfAway(sum / resources.size);
}

function controllerUid(pod: Pod): string | undefined {
  return (pod.metadata?.ownerReferences ?? []).find((o) => o.controller === true)?.uid;
}

// spread(key) = nodes's domain lacks key ? 0 : max==0 ? 100 : floor(100*(max-count)/max), count = placed siblings in the node's domain; score = round(mean over keys)
export function spreadingScores(pod: Pod, nodes: readonly NodeLike[], keys: readonly string[], view: ClusterView): number[] {
  const uid = controllerUid(pod);
  if (!uid || keys.length === 0) return nodes.map(() => MAX_NODE_SCORE);
  const self = pod.metadata?.uid;
  const siblings = view
    .podsControlledBy(pod.metadata?.namespace ?? 'default', uid)
    .filter((p) => p.metadata?.uid !== self && p.spec?.nodeName);
  const totals = nodes.map(() => 0);
  for (const key of keys) {
    const counts = new Map<string, number>();
    for (const s of siblings) {
      const v = view.node(s.spec!.nodeName!)?.metadata?.labels?.[key];
      if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const nodeCounts = nodes.map((n) => (Object.hasOwn(n.labels, key) ? (counts.get(n.labels[key]!) ?? 0) : undefined));
    const max = Math.max(0, ...nodeCounts.map((c) => c ?? 0));
    nodeCounts.forEach((c, i) => {
      totals[i]! += c === undefined ? 0 : max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max - c)) / max);
    });
  }
  return totals.map((t) => roundHalfAway(t / keys.length));
}

/**
 * Scores every node of a filter decision: null when scoring is off or the node does not fit.
 * Capacity follows R7.1–R7.4 (PreScore skip → 0); spreading is the weighted second component.
 */
export function scoreNodes(pod: Pod, decision: PodDecision, nodes: readonly NodeLike[], policy: ScoringPolicy, view: ClusterView): (number | null)[] {
  const cap = policy.capacity;
  const spr = policy.spreading;
  const weightSum = (cap.enabled ? cap.weight : 0) + (spr.enabled ? spr.weight : 0);
  if (weightSum === 0) return nodes.map(() => null);
  const results: readonly NodeResult[] = decision.nodes;
  if (decision.kind !== 'evaluated') return results.map((r) => (r.fits ? 0 : null));

  const shape = brokenLinear(cap.shape);
  const anyStatic = results.some((r) => r.staticBindings.length > 0);
  const preScoreRuns = anyStatic || cap.scoreDynamicProvisions;
  const fitting = nodes.filter((_, i) => results[i]!.fits);
  const spread = spr.enabled ? spreadingScores(pod, fitting, spr.topologyKeys, view) : [];
  let f = 0;
  return results.map((r) => {
    if (!r.fits) return null;
    let total = 0;
    if (cap.enabled && preScoreRuns) {
      total += cap.weight * capacityScore(classResources(r.staticBindings, r.provisions, cap.scoreDynamicProvisions), shape);
    }
    if (spr.enabled) total += spr.weight * spread[f]!;
    f++;
    return roundHalfAway(total / weightSum);
  });
}

/** 0–100 node score → 0–10 extender priority. */
export function toExtenderPriority(score: number | null): number {
  if (score === null) return 0;
  return Math.min(MAX_EXTENDER_PRIORITY, Math.max(0, Math.round(score / (MAX_NODE_SCORE / MAX_EXTENDER_PRIORITY))));
}
