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
import { rejection } from '../../engine/filter.js';
import { type Candidates, candidatesFrom, evaluateVerdicts, inputNames, UNKNOWN_NODE } from '../candidates.js';
import { HttpError, podRef, setOutcome } from '../context.js';
import type { VerbDeps } from '../deps.js';
import { countNodeDecisions } from '../metrics.js';
import { decodeExtenderArgs, encodeFilterResult, type ExtenderArgs, filterError } from '../wire.js';

/** Per-node decisions of one filter call, counted: for metrics and the decision log line. */
export interface DecisionTally {
  /** Offered nodes. */
  readonly nodes: number;
  readonly fit: number;
  /** Unfit nodes by reason code (a node with two reasons counts under both). */
  readonly unfit: ReadonlyMap<ReasonCode, number>;
  readonly failed: number;
}

export interface FilterOutcome {
  readonly kind: 'skip' | 'unschedulable' | 'error' | 'evaluated';
  /** The scheduling error (kind 'error'). */
  readonly error?: string;
  /** The ExtenderFilterResult as JSON text (wire.encodeFilterResult). */
  readonly body: string;
  readonly tally: DecisionTally;
  /** The offered nodes the engine evaluated (known to the cache), for rejection reporting. */
  readonly evaluated: readonly NodeLike[];
}

const UNKNOWN: readonly ReasonCode[] = ['unknown_node'];
const NO_TALLY: DecisionTally = { nodes: 0, fit: 0, unfit: new Map(), failed: 0 };

interface Failure {
  readonly message: string;
  readonly codes: readonly ReasonCode[];
}

/**
 * One pass over the offered nodes: the JSON answer and the tally. `failureOf(i)` is undefined for
 * a fitting node, else its message and reason codes — shared objects per reason combination,
 * so the tally counts runs of the same object rather than every node's codes.
 */
function answer(c: Candidates, failureOf: (i: number) => Failure | undefined): { body: string; tally: DecisionTally } {
  // Sized for the worst case and trimmed after: no growth copies over 5,000 nodes.
  const total = c.names.length;
  const passed = new Array<unknown>(total);
  const failedNames = new Array<string>(total);
  const failedMessages = new Array<string>(total);
  let fits = 0;
  let fails = 0;
  const runs = new Map<Failure, number>();
  let run: Failure | undefined;
  let runLength = 0;
  for (let i = 0; i < total; i++) {
    const f = failureOf(i);
    if (f === undefined) {
      passed[fits++] = c.raws === undefined ? c.names[i] : c.raws[i];
      continue;
    }
    failedNames[fails] = c.names[i]!;
    failedMessages[fails++] = f.message;
    if (f !== run) {
      if (run !== undefined) runs.set(run, (runs.get(run) ?? 0) + runLength);
      run = f;
      runLength = 0;
    }
    runLength++;
  }
  if (run !== undefined) runs.set(run, (runs.get(run) ?? 0) + runLength);
  passed.length = fits;
  failedNames.length = fails;
  failedMessages.length = fails;
  const unfit = new Map<ReasonCode, number>();
  for (const [f, n] of runs) for (const code of f.codes) unfit.set(code, (unfit.get(code) ?? 0) + n);
  const body =
    c.raws === undefined
      ? encodeFilterResult({ kind: 'names', passed: passed as string[] }, failedNames, failedMessages)
      : encodeFilterResult({ kind: 'nodes', passed }, failedNames, failedMessages);
  return { body, tally: { nodes: c.names.length, fit: passed.length, unfit, failed: failedNames.length } };
}

/** The filter verb without HTTP: decoded args in, wire result out. */
export function filter(args: ExtenderArgs, view: ClusterView): FilterOutcome {
  if (!podHasClaims(args.pod)) {
    const names = inputNames(args.nodes);
    const raws = args.nodes.kind === 'nodes' ? args.nodes.items.map((i) => i.raw) : undefined;
    return { kind: 'skip', ...answer({ names, nodes: [], raws }, () => undefined), evaluated: [] };
  }
  const candidates = candidatesFrom(args.nodes, view);
  // Only fits/reasons go on the wire: verdicts, no per-node plans or result objects.
  const ev = evaluateVerdicts(args.pod, candidates, view);
  switch (ev.kind) {
    case 'error':
      return { kind: 'error', error: ev.error, body: JSON.stringify(filterError(ev.error)), tally: NO_TALLY, evaluated: [] };
    case 'unschedulable': {
      // Node-independent, so it applies to nodes our cache does not know yet as well.
      const v = { message: ev.reason, codes: [ev.code] };
      return { kind: 'unschedulable', ...answer(candidates, () => v), evaluated: [] };
    }
    case 'evaluated': {
      const out = answer(candidates, (i) => {
        const v = ev.verdicts[i]!;
        if (v === 0) return undefined;
        if (v === UNKNOWN_NODE) return { message: unknownNodeReason(candidates.names[i]!), codes: UNKNOWN };
        return rejection(v);
      });
      return { kind: 'evaluated', ...out, evaluated: ev.known };
    }
  }
}

export function filterHandler(deps: VerbDeps): RequestHandler {
  return (req, res) => {
    const args = decodeExtenderArgs('filter', req.body);
    if (!args.ok) throw new HttpError(400, args.error);
    const out = filter(args.value, deps.view);
    const { tally } = out;
    countNodeDecisions(deps.metrics, tally.fit, tally.unfit);

    const summary = { verb: 'filter', pod: podRef(args.value.pod), decision: out.kind, nodes: tally.nodes, failed: tally.failed };
    if (out.kind === 'error') {
      setOutcome(res, 'error');
      req.log.warn({ ...summary, error: out.error }, 'filter: scheduling error');
    } else if (tally.failed > 0) {
      if (out.kind === 'evaluated' && tally.failed === tally.nodes && deps.onFilterRejected) {
        deps.onFilterRejected(args.value.pod, out.evaluated);
      }
      req.log.info({ ...summary, reasons: Object.fromEntries(tally.unfit) }, 'filter: rejected nodes');
    } else req.log.debug(summary, 'filter: all nodes fit');
    res.type('json').send(out.body);
  };
}
