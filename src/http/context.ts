/**
 * Per-request bookkeeping shared by the instrumentation middleware, the verb handlers and the
 * error middleware, plus the HTTP error type handlers throw for bad input.
 */
import type { Response } from 'express';
import type { Pod } from '../engine/types.js';
import type { RequestOutcome, Verb } from './metrics.js';

/** An error with an HTTP status; the error middleware answers `{"Error": message}` with it. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface RequestState {
  readonly verb: Verb;
  /** Set by a handler that answered 200 with an `Error`; 4xx/5xx are derived from the status. */
  outcome: RequestOutcome | undefined;
}

const states = new WeakMap<Response, RequestState>();

export function beginRequest(res: Response, verb: Verb): RequestState {
  const st: RequestState = { verb, outcome: undefined };
  states.set(res, st);
  return st;
}

export function verbOf(res: Response): Verb | undefined {
  return states.get(res)?.verb;
}

export function setOutcome(res: Response, outcome: RequestOutcome): void {
  const st = states.get(res);
  if (st) st.outcome = outcome;
}

/** Log bindings naming the pod (never used as metric labels). */
export function podRef(pod: Pod): { namespace: string; name: string; uid: string } {
  return { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
}
