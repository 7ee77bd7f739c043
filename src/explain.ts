/**
 * `explain`: why is my pod Pending? Evaluates a pod against every node of a view and reports,
 * per node, the upstream reasons plus the claim, PV/StorageClass and label at fault.
 *
 * The JSON form is a stable contract:
 *   {"pod":"ns/name","error"?:string,"unschedulable"?:string,
 *    "nodes":[{"name","fits","reasons":[…],"staticBindings":[{"claim":"ns/pvc","volume":"pv"}],
 *              "provisions":["ns/pvc"],"score":0-100|null,"explanation":[…]}]}
 */
import type { ClaimInfo } from './engine/claims.js';
import { filterPod, type PodDecision } from './engine/filter.js';
import { formatBytes } from './engine/quantity.js';
import { scoreNodes, type ScoringPolicy } from './engine/score.js';
import type { Pod } from './engine/types.js';
import type { ClusterView, NodeLike } from './engine/view.js';

export interface ExplainNode {
  name: string;
  fits: boolean;
  reasons: string[];
  staticBindings: { claim: string; volume: string }[];
  provisions: string[];
  score: number | null;
  explanation: string[];
}

export interface ExplainReport {
  pod: string;
  error?: string;
  unschedulable?: string;
  nodes: ExplainNode[];
}

export class UnknownPodError extends Error {
  override readonly name = 'UnknownPodError';
}

export function viewNodes(view: ClusterView): NodeLike[] {
  return view.nodeNames().map((name) => ({ name, labels: view.node(name)?.metadata?.labels ?? {} }));
}

export function explainDecision(pod: Pod, view: ClusterView, policy: ScoringPolicy, nodes: readonly NodeLike[] = viewNodes(view)): { report: ExplainReport; decision: PodDecision } {
  const decision = filterPod(pod, nodes, view, { explain: true });
  const scores = scoreNodes(pod, decision, nodes, policy, view);
  const report: ExplainReport = { pod: `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`, nodes: [] };
  if (decision.kind === 'error') report.error = decision.error;
  if (decision.kind === 'unschedulable') report.unschedulable = decision.reason;
  report.nodes = decision.nodes.map((r, i) => ({
    name: r.node,
    fits: r.fits,
    reasons: [...r.reasons],
    staticBindings: r.staticBindings.map((b) => ({ claim: b.claim.key, volume: b.pv.name })),
    provisions: r.provisions.map((p) => p.claim.key),
    score: scores[i] ?? null,
    explanation: [...r.explanation],
  }));
  return { report, decision };
}

/** Parses "ns/name" (or "name" in namespace default). */
export function parsePodRef(ref: string): { namespace: string; name: string } {
  const parts = ref.split('/');
  if (parts.length === 1 && parts[0]) return { namespace: 'default', name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  throw new UnknownPodError(`invalid pod reference "${ref}": expected NAMESPACE/NAME`);
}

export function explainPod(view: ClusterView, podRef: string, policy: ScoringPolicy): { report: ExplainReport; decision: PodDecision; pod: Pod } {
  const { namespace, name } = parsePodRef(podRef);
  const pod = view.pod(namespace, name);
  if (!pod) {
    const known = view.nodeNames().length;
    throw new UnknownPodError(`pod ${namespace}/${name} not found in the cluster view (${known} node(s) loaded)`);
  }
  return { ...explainDecision(pod, view, policy), pod };
}

function describeClaimState(c: ClaimInfo): string {
  const mode = c.kind === 'bound' ? `bound to PV ${c.volumeName}` : c.kind === 'delay' ? 'unbound, WaitForFirstConsumer' : 'unbound, Immediate';
  const size = c.request === undefined ? 'no size' : formatBytes(c.request);
  const sel = c.selectedNode !== undefined ? `, selected-node=${c.selectedNode}` : '';
  return `${c.name} (class ${c.className || '""'}, ${size}, ${mode}${sel})`;
}

/** A readable report, one block per node: fitting nodes by score first, then the rest. */
export function renderText(report: ExplainReport, decision: PodDecision, pod: Pod, policySource: string): string {
  const out: string[] = [];
  const fit = report.nodes.filter((n) => n.fits);
  out.push(`Pod ${report.pod}: ${fit.length} of ${report.nodes.length} node(s) can satisfy its volumes`);
  if (pod.spec?.nodeName) out.push(`  (already bound to node ${pod.spec.nodeName})`);
  if (decision.kind === 'evaluated') {
    out.push(`Claims: ${decision.claims.claims.map(describeClaimState).join('; ')}`);
  } else if (decision.kind === 'skip') {
    out.push('Claims: none — volumes do not constrain this pod');
  }
  out.push(`Scoring policy: ${policySource}`);
  if (report.error !== undefined) {
    out.push('', `SCHEDULING ERROR (kube-scheduler retries with backoff): ${report.error}`);
    return out.join('\n') + '\n';
  }
  if (report.unschedulable !== undefined && decision.kind === 'unschedulable') {
    out.push('', `UNSCHEDULABLE on every node: ${report.unschedulable}`, `  ${decision.explanation}`);
    return out.join('\n') + '\n';
  }
  const width = Math.max(4, ...report.nodes.map((n) => n.name.length));
  const sorted = [...fit].sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || (a.name < b.name ? -1 : 1));
  if (sorted.length > 0) out.push('', 'Fits:');
  for (const n of sorted) {
    out.push(`  ✓ ${n.name.padEnd(width)}  score ${n.score === null ? '-' : String(n.score).padStart(3)}`);
    for (const line of n.explanation) out.push(`      ${line}`);
  }
  const unfit = report.nodes.filter((n) => !n.fits);
  if (unfit.length > 0) out.push('', 'Does not fit:');
  for (const n of unfit) {
    out.push(`  ✗ ${n.name.padEnd(width)}  ${n.reasons.join(', ')}`);
    for (const line of n.explanation) out.push(`      ${line}`);
  }
  if (unfit.length > 0 && fit.length === 0) {
    const hist = new Map<string, number>();
    for (const n of unfit) hist.set(n.reasons.join(', '), (hist.get(n.reasons.join(', ')) ?? 0) + 1);
    const parts = [...hist.entries()].map(([r, c]) => `${c} ${r}`).sort();
    out.push('', `kube-scheduler would report: 0/${report.nodes.length} nodes are available: ${parts.join(', ')}.`);
  }
  return out.join('\n') + '\n';
}
