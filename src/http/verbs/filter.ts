/**
 * filter verb = PreFilter + Filter for every offered node (R16.1).
 * - no PVCs → every node passes, nothing is looked up (the extender sees every pod);
 * - pod-level failure (R2.2/R2.4) → every node in FailedAndUnresolvableNodes with that reason;
 * - scheduling error (R6.3) → `Error` only;
 * - otherwise per node; failures go to FailedAndUnresolvableNodes (never FailedNodes: evicting
 *   pods never helps volume binding, §17.8) with the reasons joined by ", ".
 */
import type { RequestHandler } from 'express';
import { podHasClaims } from '../../engine/claims.js';
import { type ReasonCode, unknownNodeReason } from '../../engine/reasons.js';
import type { ClusterView, NodeLike } from '../../engine/view.js';
import { candidatesFrom, evaluate, inputNames } from '../candidates.js';
import { HttpError, podRef, setOutcome } from '../context.js';
import type { VerbDeps } from '../deps.js';
import { countNodeDecisions } from '../metrics.js';
import { decodeExtenderArgs, encodeFilterResult, type ExtenderArgs, filterError } from '../wire.js';

export interface NodeDecision {
  readonly name: string;
  readonly fits: boolean;
  /** The FailedAndUnresolvableNodes message ("" when the node fits). */
  readonly reason: string;
  readonly codes: readonly ReasonCode[];
}

export interface FilterOutcome {
  readonly kind: 'skip' | 'unschedulable' | 'error' | 'evaluated';
  /** The scheduling error (kind 'error'). */
  readonly error?: string;
  /** The ExtenderFilterResult as JSON text (wire.encodeFilterResult). */
  readonly body: string;
  /** Per offered node, in input order; empty for a scheduling error. */
  readonly decisions: readonly NodeDecision[];
  /** The offered nodes the engine evaluated (known to the cache), for rejection reporting. */
  readonly evaluated: readonly NodeLike[];
}

const FITS: readonly ReasonCode[] = [];
const UNKNOWN: readonly ReasonCode[] = ['unknown_node'];

function encode(args: ExtenderArgs, decisions: readonly NodeDecision[], raws: readonly unknown[] | undefined): string {
  const failed: (readonly [string, string])[] = [];
  const passed: unknown[] = [];
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i]!;
    if (!d.fits) failed.push([d.name, d.reason]);
    else passed.push(args.nodes.kind === 'names' ? d.name : raws?.[i]);
  }
  if (args.nodes.kind === 'names') return encodeFilterResult({ kind: 'names', passed: passed as string[] }, failed);
  return encodeFilterResult({ kind: 'nodes', passed }, failed);
}

/** The filter verb without HTTP: decoded args in, wire result out. */
export function filter(args: ExtenderArgs, view: ClusterView): FilterOutcome {
  const raws = args.nodes.kind === 'nodes' ? args.nodes.items.map((i) => i.raw) : undefined;
  if (!podHasClaims(args.pod)) {
    const decisions = inputNames(args.nodes).map((name) => ({ name, fits: true, reason: '', codes: FITS }));
    return { kind: 'skip', body: encode(args, decisions, raws), decisions, evaluated: [] };
  }
  const candidates = candidatesFrom(args.nodes, view);
  // Only fits/reasons go on the wire: skip building per-node plans.
  const ev = evaluate(args.pod, candidates, view, { plans: false });
  switch (ev.kind) {
    case 'error':
      return { kind: 'error', error: ev.error, body: JSON.stringify(filterError(ev.error)), decisions: [], evaluated: [] };
    case 'unschedulable': {
      // Node-independent, so it applies to nodes our cache does not know yet as well.
      const codes = [ev.code];
      const decisions = candidates.map((c) => ({ name: c.name, fits: false, reason: ev.reason, codes }));
      return { kind: 'unschedulable', body: encode(args, decisions, raws), decisions, evaluated: [] };
    }
    case 'evaluated': {
      const decisions = candidates.map((c, i): NodeDecision => {
        const r = ev.results[i];
        if (!r) return { name: c.name, fits: false, reason: unknownNodeReason(c.name), codes: UNKNOWN };
        return { name: c.name, fits: r.fits, reason: r.message, codes: r.codes };
      });
      return { kind: 'evaluated', body: encode(args, decisions, raws), decisions, evaluated: ev.known };
    }
  }
}

export function filterHandler(deps: VerbDeps): RequestHandler {
  return (req, res) => {
    const args = decodeExtenderArgs('filter', req.body);
    if (!args.ok) throw new HttpError(400, args.error);
    const out = filter(args.value, deps.view);
    countNodeDecisions(deps.metrics, out.decisions);

    const failed = out.decisions.filter((d) => !d.fits);
    const summary = { verb: 'filter', pod: podRef(args.value.pod), decision: out.kind, nodes: out.decisions.length, failed: failed.length };
    if (out.kind === 'error') {
      setOutcome(res, 'error');
      req.log.warn({ ...summary, error: out.error }, 'filter: scheduling error');
    } else if (failed.length > 0) {
      if (out.kind === 'evaluated' && failed.length === out.decisions.length && deps.onFilterRejected) {
        deps.onFilterRejected(args.value.pod, out.evaluated);
      }
      const reasons: Record<string, number> = {};
      for (const d of failed) for (const c of d.codes) reasons[c] = (reasons[c] ?? 0) + 1;
      req.log.info({ ...summary, reasons }, 'filter: rejected nodes');
    } else req.log.debug(summary, 'filter: all nodes fit');
    res.type('json').send(out.body);
  };
}
