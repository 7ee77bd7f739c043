/**
 * prioritize verb = Score (§7) on the 0–10 extender scale (R16.2), for every offered node in
 * input order; nodes that don't fit, unknown nodes and pods without PVCs get 0.
 * The scheduler ignores prioritize errors (R14.5), so failures answer all-zero scores with 200.
 */
import type { RequestHandler } from 'express';
import { podHasClaims } from '../../engine/claims.js';
import { type ScoringPolicy, scoreNodes, toExtenderPriority } from '../../engine/score.js';
import type { ClusterView } from '../../engine/view.js';
import { candidatesFrom, evaluate, inputNames } from '../candidates.js';
import { HttpError, podRef, setOutcome } from '../context.js';
import type { VerbDeps } from '../deps.js';
import { decodeExtenderArgs, type ExtenderArgs, type HostPriority, hostPriority } from '../wire.js';

export interface PrioritizeOutcome {
  readonly response: HostPriority[];
  /** Set when scoring failed (engine error); the response is then all zeros. */
  readonly error: string | undefined;
}

export function zeroScores(args: ExtenderArgs): HostPriority[] {
  return inputNames(args.nodes).map((n) => hostPriority(n, 0));
}

/** The prioritize verb without HTTP. May throw on an engine bug; the handler answers zeros. */
export function prioritize(args: ExtenderArgs, view: ClusterView, policy: ScoringPolicy): PrioritizeOutcome {
  if (!podHasClaims(args.pod)) return { response: zeroScores(args), error: undefined };
  const candidates = candidatesFrom(args.nodes, view);
  const ev = evaluate(args.pod, candidates, view);
  if (ev.kind === 'error') return { response: zeroScores(args), error: ev.error };
  if (ev.kind === 'unschedulable') return { response: zeroScores(args), error: undefined };
  const scores = scoreNodes(args.pod, ev.decision, ev.known, policy, view);
  let k = 0;
  const response = candidates.names.map((name, i) => hostPriority(name, candidates.nodes[i] ? toExtenderPriority(scores[k++] ?? null) : 0));
  return { response, error: undefined };
}

export function prioritizeHandler(deps: VerbDeps): RequestHandler {
  return (req, res) => {
    const args = decodeExtenderArgs('prioritize', req.body);
    if (!args.ok) throw new HttpError(400, args.error);
    const summary = { verb: 'prioritize', pod: podRef(args.value.pod), nodes: inputNames(args.value.nodes).length };
    let out: PrioritizeOutcome;
    try {
      out = prioritize(args.value, deps.view, deps.policy());
    } catch (err) {
      req.log.error({ ...summary, err }, 'prioritize: scoring failed; answering zero scores');
      out = { response: zeroScores(args.value), error: err instanceof Error ? err.message : String(err) };
    }
    if (out.error !== undefined) {
      setOutcome(res, 'error');
      req.log.warn({ ...summary, error: out.error }, 'prioritize: scheduling error; answering zero scores');
    } else req.log.debug({ ...summary, scores: out.response }, 'prioritize: scored');
    res.json(out.response);
  };
}
