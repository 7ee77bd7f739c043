import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Binder } from '../../src/bind/binder.js';
import { Readiness } from '../../src/http/readiness.js';
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, type RunningServer, startServer, type StartServerOptions } from '../../src/server.js';
import { harness } from './fixtures.js';

const quiet = pino({ level: 'silent' });
const running: RunningServer[] = [];

async function start(opts: Partial<StartServerOptions> & { binder?: Binder } = {}): Promise<RunningServer> {
  const readiness = opts.readiness ?? new Readiness();
  const h = harness({ ...(opts.binder ? { binder: opts.binder } : {}), ready: readiness.state });
  const s = await startServer({ app: h.app, port: 0, host: '127.0.0.1', logger: quiet, signals: [], readiness, ...opts });
  running.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** A raw POST that resolves with status and body, or rejects when the connection is cut. */
function post(port: number, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

const bindBody = { PodName: 'web', PodNamespace: 'shop', PodUID: 'uid-web', Node: 'node-a' };

describe('startServer', () => {
  it('applies the keep-alive, headers and request timeouts', async () => {
    const s = await start();
    expect(s.server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(s.server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(s.server.requestTimeout).toBe(0);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(90_000); // Go's IdleConnTimeout
    expect(HEADERS_TIMEOUT_MS).toBeGreaterThan(KEEP_ALIVE_TIMEOUT_MS);
  });

  it('serves, then close() flips readiness, runs hooks in order and stops promptly despite keep-alive', async () => {
    const readiness = new Readiness();
    const order: string[] = [];
    const s = await start({
      readiness,
      onShutdown: [
        () => {
          order.push(`hook1 ready=${String(readiness.state().ready)}`);
        },
        async () => {
          await Promise.resolve();
          order.push('hook2');
        },
      ],
    });
    const res = await fetch(`http://127.0.0.1:${s.port}/healthz`); // fetch keeps the connection alive
    expect(await res.text()).toBe('ok');
    const t0 = Date.now();
    await s.close();
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(order).toEqual(['hook1 ready=false', 'hook2']);
    expect(readiness.state()).toEqual({ ready: false, reason: 'shutting down' });
    expect(s.server.listening).toBe(false);
    await s.close(); // idempotent
  });

  it('lets an in-flight bind finish before closing', async () => {
    let release: (() => void) | undefined;
    const binder: Binder = {
      bind: () =>
        new Promise((resolve) => {
          release = () => {
            resolve({ outcome: 'bound', error: '' });
          };
        }),
    };
    const s = await start({ binder });
    const inflight = post(s.port, '/scheduler/bind', bindBody);
    await vi.waitFor(() => {
      expect(release).toBeDefined();
    });
    let closed = false;
    const closing = s.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);
    release?.();
    await expect(inflight).resolves.toEqual({ status: 200, body: { Error: '' } });
    await closing;
    expect(closed).toBe(true);
  });

  it('cuts requests that outlive the drain timeout and aborts the binder', async () => {
    let signal: AbortSignal | undefined;
    const binder: Binder = {
      bind: (_req, sig) => {
        signal = sig;
        return new Promise(() => undefined); // never settles on its own
      },
    };
    const s = await start({ binder, drainTimeoutMs: 100 });
    const inflight = post(s.port, '/scheduler/bind', bindBody);
    inflight.catch(() => undefined);
    await vi.waitFor(() => {
      expect(signal).toBeDefined();
    });
    await s.close();
    await expect(inflight).rejects.toThrow();
    await vi.waitFor(() => {
      expect(signal?.aborted).toBe(true);
    });
  });

  it('a failing or hanging hook is logged and does not block shutdown', async () => {
    const ran: string[] = [];
    const s = await start({
      hookTimeoutMs: 50,
      onShutdown: [
        () => {
          throw new Error('boom');
        },
        () => new Promise<void>(() => undefined),
        () => {
          ran.push('last');
        },
      ],
    });
    await s.close();
    expect(ran).toEqual(['last']);
  });

  it('on a signal: shuts down gracefully, then exits 0', async () => {
    const exit = vi.fn<(code: number) => void>();
    const readiness = new Readiness();
    const s = await start({ signals: ['SIGUSR2'], exit, readiness });
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(readiness.state().ready).toBe(false);
    await vi.waitFor(() => {
      expect(exit).toHaveBeenCalledWith(0);
    });
    expect(s.server.listening).toBe(false);
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  });

  it('rejects when the port is taken', async () => {
    const s = await start();
    const h = harness();
    await expect(startServer({ app: h.app, port: s.port, host: '127.0.0.1', logger: quiet, signals: [] })).rejects.toThrow(/EADDRINUSE/);
  });
});
