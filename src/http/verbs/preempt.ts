/**
 * preempt verb (R16.4): evicting pods never helps volume binding, so keep a candidate node (with
 * its victims unchanged) only where the pod's volumes fit, and drop the rest. Pod-level failures
 * (unschedulable or error) leave no candidates. Nodes our cache does not know are dropped too.
 */
import type { RequestHandler } from 'express';
import { podHasClaims } from '../../engine/claims.js';
import type { ClusterView } from '../../engine/view.js';
import { evaluate, namedCandidates } from '../candidates.js';
import { HttpError, podRef, setOutcome } from '../context.js';
import type { VerbDeps } from '../deps.js';
import { decodePreemptionArgs, type ExtenderPreemptionArgs, type ExtenderPreemptionResult, type MetaVictims, preemptionResult } from '../wire.js';

export interface PreemptOutcome {
  readonly response: ExtenderPreemptionResult;
  readonly kept: number;
  readonly dropped: number;
  /** A scheduling error (R6.3) that emptied the candidate map. */
  readonly error: string | undefined;
}

export function preempt(args: ExtenderPreemptionArgs, view: ClusterView): PreemptOutcome {
  const all = [...args.victims];
  const done = (kept: readonly (readonly [string, MetaVictims])[], error?: string): PreemptOutcome => ({
    response: preemptionResult(kept),
    kept: kept.length,
    dropped: all.length - kept.length,
    error,
  });
  if (!podHasClaims(args.pod)) return done(all);
  const ev = evaluate(args.pod, namedCandidates([...args.victims.keys()], view), view, { plans: false });
  if (ev.kind === 'error') return done([], ev.error);
  if (ev.kind === 'unschedulable') return done([]);
  return done(all.filter((_, i) => ev.results[i]?.fits === true));
}

export function preemptHandler(deps: VerbDeps): RequestHandler {
  return (req, res) => {
    const args = decodePreemptionArgs('preempt', req.body);
    if (!args.ok) throw new HttpError(400, args.error);
    const out = preempt(args.value, deps.view);
    const summary = { verb: 'preempt', pod: podRef(args.value.pod), kept: out.kept, dropped: out.dropped };
    if (out.error !== undefined) {
      setOutcome(res, 'error');
      req.log.warn({ ...summary, error: out.error }, 'preempt: scheduling error; no candidates');
    } else if (out.dropped > 0) req.log.info(summary, 'preempt: dropped candidates where volumes cannot bind');
    else req.log.debug(summary, 'preempt: kept all candidates');
    res.json(out.response);
  };
}
