/**
 * Errors seen by the informers, and how the supervisor treats them.
 *
 * Shapes that reach us:
 * - our list helper: KubeApiError { code, reason } built from the API server's Status body;
 * - client-node's Watch on a non-200 answer: Error(statusText) with `statusCode`;
 * - undici on a network failure: TypeError('fetch failed') with `cause.code` (ECONNREFUSED, …),
 *   or a stream error with `code` (ECONNRESET, UND_ERR_SOCKET, …);
 * - our own aborts (stop()): DOMException/Error named AbortError;
 * - timeouts: DOMException named TimeoutError.
 */

export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    /** HTTP status. */
    readonly code: number,
    /** Status.reason (Forbidden, Expired, …) when the server sent a Status body. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }

  /** Builds the error from a non-2xx answer; `body` is the raw response text. */
  static fromResponse(status: number, body: string, what: string): KubeApiError {
    let reason = '';
    let detail = '';
    try {
      const s = JSON.parse(body) as { kind?: unknown; reason?: unknown; message?: unknown };
      if (typeof s.reason === 'string') reason = s.reason;
      if (typeof s.message === 'string') detail = s.message;
    } catch {
      detail = body.slice(0, 200);
    }
    return new KubeApiError(status, reason, `${what}: HTTP ${status}${reason ? ` ${reason}` : ''}${detail ? `: ${detail}` : ''}`);
  }
}

export type ErrorClass =
  /** our own abort (stop) */
  | 'aborted'
  /** client-side timeout */
  | 'timeout'
  /** 401/403: RBAC or credentials */
  | 'auth'
  /** 410: resourceVersion or continue token expired */
  | 'expired'
  /** 429 */
  | 'throttled'
  /** 5xx */
  | 'server'
  /** other 4xx (404: resource not served, 400: bad request) */
  | 'client'
  /** connection refused/reset, DNS, TLS */
  | 'network'
  | 'unknown';

export interface ClassifiedError {
  readonly class: ErrorClass;
  readonly status: number | undefined;
  readonly message: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function prop(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}

function statusOf(err: unknown): number | undefined {
  for (const key of ['statusCode', 'code']) {
    const v = prop(err, key);
    if (typeof v === 'number' && v >= 100 && v < 600) return v;
  }
  return undefined;
}

function messageOf(err: unknown): string {
  const msg = err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
  const cause = prop(err, 'cause');
  const causeMsg = cause instanceof Error ? cause.message : undefined;
  return causeMsg && causeMsg !== msg ? `${msg} (${causeMsg})` : msg;
}

function isNetworkCode(v: unknown): boolean {
  return typeof v === 'string' && (NETWORK_CODES.has(v) || v.startsWith('UND_ERR_') || v.startsWith('ERR_TLS_') || v.startsWith('CERT_') || v.startsWith('ERR_SSL_'));
}

export function classifyError(err: unknown): ClassifiedError {
  const message = messageOf(err);
  const name = prop(err, 'name');
  const status = statusOf(err);
  let cls: ErrorClass;
  if (name === 'AbortError') cls = 'aborted';
  else if (name === 'TimeoutError') cls = 'timeout';
  else if (status === 401 || status === 403) cls = 'auth';
  else if (status === 410) cls = 'expired';
  else if (status === 429) cls = 'throttled';
  else if (status !== undefined && status >= 500) cls = 'server';
  else if (status !== undefined && status >= 400) cls = 'client';
  else if (isNetworkCode(prop(err, 'code')) || isNetworkCode(prop(prop(err, 'cause'), 'code'))) cls = 'network';
  else if (err instanceof TypeError && message.startsWith('fetch failed')) cls = 'network';
  else cls = 'unknown';
  return { class: cls, status, message };
}

export interface BackoffSettings {
  /** First delay; default 1000 ms. */
  readonly initialMs: number;
  /** Cap before jitter; default 30000 ms. */
  readonly maxMs: number;
  /** Relative jitter: the delay is spread uniformly over ±jitter around the base; default 0.2. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { initialMs: 1000, maxMs: 30_000, jitter: 0.2 };

/** Delay before restart number `attempt` (0-based): min(max, initial·2^attempt) ± jitter. */
export function backoffDelay(attempt: number, b: BackoffSettings, random: () => number = Math.random): number {
  const base = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 52));
  return Math.max(0, Math.round(base * (1 - b.jitter + 2 * b.jitter * random())));
}
