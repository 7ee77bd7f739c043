import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyError, DEFAULT_BACKOFF, KubeApiError } from '../../src/live/informer-errors.js';

describe('classifyError', () => {
  it('recognises our own aborts and client-side timeouts', () => {
    expect(classifyError(new DOMException('stopped', 'AbortError')).class).toBe('aborted');
    const e = new Error('aborted');
    e.name = 'AbortError';
    expect(classifyError(e).class).toBe('aborted');
    expect(classifyError(new DOMException('The operation was aborted due to timeout', 'TimeoutError')).class).toBe('timeout');
  });

  it('reads the status from our KubeApiError (code) and from client-node Watch errors (statusCode)', () => {
    const watchErr = Object.assign(new Error('Forbidden'), { statusCode: 403 });
    expect(classifyError(watchErr)).toMatchObject({ class: 'auth', status: 403 });
    expect(classifyError(new KubeApiError(401, 'Unauthorized', 'list: HTTP 401')).class).toBe('auth');
    expect(classifyError(new KubeApiError(410, 'Expired', 'x')).class).toBe('expired');
    expect(classifyError(new KubeApiError(429, '', 'x')).class).toBe('throttled');
    expect(classifyError(new KubeApiError(500, '', 'x')).class).toBe('server');
    expect(classifyError(Object.assign(new Error('Service Unavailable'), { statusCode: 503 })).class).toBe('server');
    expect(classifyError(new KubeApiError(404, 'NotFound', 'x')).class).toBe('client');
  });

  it('network failures: undici fetch failed with a cause code, socket errors, resets', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    expect(classifyError(refused)).toMatchObject({ class: 'network', status: undefined });
    expect(classifyError(refused).message).toContain('ECONNREFUSED');
    expect(classifyError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })).class).toBe('network');
    expect(classifyError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).class).toBe('network');
    expect(classifyError(new TypeError('terminated', { cause: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }) })).class).toBe('network');
    // a string `code` that is not an HTTP status must not be read as one
    expect(classifyError(Object.assign(new Error('x'), { code: 'EPIPE' })).status).toBeUndefined();
  });

  it('anything else is unknown (and still restarted by the supervisor)', () => {
    expect(classifyError(new Error('boom')).class).toBe('unknown');
    expect(classifyError('weird').class).toBe('unknown');
    expect(classifyError(undefined).class).toBe('unknown');
  });
});

describe('KubeApiError.fromResponse', () => {
  it('uses the Status reason and message', () => {
    const e = KubeApiError.fromResponse(403, JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'pods is forbidden: User "x" cannot list' }), 'list /api/v1/pods');
    expect(e.code).toBe(403);
    expect(e.reason).toBe('Forbidden');
    expect(e.message).toBe('list /api/v1/pods: HTTP 403 Forbidden: pods is forbidden: User "x" cannot list');
  });

  it('copes with a non-JSON body', () => {
    const e = KubeApiError.fromResponse(502, '<html>bad gateway</html>', 'list /x');
    expect(e.message).toBe('list /x: HTTP 502: <html>bad gateway</html>');
  });
});

describe('backoffDelay', () => {
  const b = { initialMs: 1000, maxMs: 30_000, jitter: 0 };

  it('doubles from the initial delay and caps', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((a) => backoffDelay(a, b))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('spreads by ±jitter around the base', () => {
    const j = { ...b, jitter: 0.2 };
    expect(backoffDelay(0, j, () => 0)).toBe(800);
    expect(backoffDelay(0, j, () => 0.5)).toBe(1000);
    expect(backoffDelay(0, j, () => 0.999999)).toBe(1200);
    expect(backoffDelay(10, j, () => 0)).toBe(24000);
  });

  it('defaults: 1 s doubling to 30 s, 20 % jitter', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 1000, maxMs: 30_000, jitter: 0.2 });
  });
});
