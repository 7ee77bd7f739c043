/**
 * Prometheus instruments for the extender, on a registry of their own (never the global one),
 * so tests can create many apps and other modules (live informers, caches) can add gauges to
 * the same registry via `metrics.registry`.
 *
 * Label values are bounded: verbs, outcomes and ReasonCodes only — never node, pod or PV names.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { ReasonCode } from '../engine/reasons.js';

export const VERBS = ['filter', 'prioritize', 'bind', 'preempt'] as const;
export type Verb = (typeof VERBS)[number];

/**
 * ok: answered normally (including filter rejections); error: answered 200 with an `Error`
 * (engine scheduling error, failed bind); bad_request: 4xx; internal_error: 5xx;
 * aborted: the client went away before the response was written.
 */
export type RequestOutcome = 'ok' | 'error' | 'bad_request' | 'internal_error' | 'aborted';

/**
 * 0.5 ms up to the scheduler's default 5 s `httpTimeout`, then the long tail that only bind
 * reaches (volume writes plus the wait for provisioning, up to the 600 s bind timeout, R10.3).
 * One histogram cannot have per-label buckets, so every verb carries the full set.
 */
export const REQUEST_DURATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

export interface ExtenderMetrics {
  readonly registry: Registry;
  /** `vte_extender_request_duration_seconds{verb,outcome}` */
  readonly requestDuration: Histogram<'verb' | 'outcome'>;
  /** `vte_filter_node_decisions_total{result,reason}`: one increment per (node, reason). */
  readonly filterNodeDecisions: Counter<'result' | 'reason'>;
  /** `vte_bind_total{outcome}` with the binder's bounded outcome (or `error` for a throw). */
  readonly bindTotal: Counter<'outcome'>;
  /** `vte_http_bad_requests_total{verb}` */
  readonly badRequests: Counter<'verb'>;
}

export interface MetricsOptions {
  /** Process metrics (event-loop lag, GC, heap, …) on the same registry. Default true. */
  readonly defaultMetrics?: boolean;
}

export function createMetrics(opts: MetricsOptions = {}): ExtenderMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const requestDuration = new Histogram({
    name: 'vte_extender_request_duration_seconds',
    help: 'Time to answer a scheduler extender call, by verb and outcome.',
    labelNames: ['verb', 'outcome'] as const,
    buckets: [...REQUEST_DURATION_BUCKETS],
    registers: [registry],
  });
  const filterNodeDecisions = new Counter({
    name: 'vte_filter_node_decisions_total',
    help: 'Per-node filter decisions: result fit|unfit; reason is a bounded reason code (one increment per reason of an unfit node), or "none" for fit.',
    labelNames: ['result', 'reason'] as const,
    registers: [registry],
  });
  const bindTotal = new Counter({
    name: 'vte_bind_total',
    help: 'Bind calls by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const badRequests = new Counter({
    name: 'vte_http_bad_requests_total',
    help: 'Extender calls rejected with a 4xx (malformed or invalid arguments, body too large), by verb.',
    labelNames: ['verb'] as const,
    registers: [registry],
  });
  // Export zero-valued series up front so rate() and alerts work before the first event.
  for (const verb of VERBS) badRequests.inc({ verb }, 0);
  filterNodeDecisions.inc({ result: 'fit', reason: 'none' }, 0);

  return { registry, requestDuration, filterNodeDecisions, bindTotal, badRequests };
}

/** Counts one filter call's per-node decisions: `fit` nodes (reason "none"), unfit nodes by reason code. */
export function countNodeDecisions(metrics: ExtenderMetrics, fit: number, unfit: ReadonlyMap<ReasonCode, number>): void {
  if (fit > 0) metrics.filterNodeDecisions.inc({ result: 'fit', reason: 'none' }, fit);
  for (const [reason, n] of unfit) metrics.filterNodeDecisions.inc({ result: 'unfit', reason }, n);
}
