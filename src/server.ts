/**
 * The HTTP listener and its lifecycle.
 *
 * Timeouts (why these values):
 * - keepAliveTimeout 95 s: kube-scheduler's Go transport keeps idle connections for 90 s
 *   (IdleConnTimeout). Node's 5 s default would close connections the scheduler is about to
 *   reuse, and a request racing that close fails the scheduling attempt.
 * - headersTimeout 96 s: must exceed keepAliveTimeout, or Node may time out a reused idle
 *   connection's next request while it waits for headers.
 * - requestTimeout 0 (off): bind performs the volume writes and then waits for provisioning and
 *   PV binding, up to the bind timeout (600 s upstream, R10.3) — inside the HTTP request, since an
 *   extender has no PreBind (§17.5). Node's default of 300 s would cut such a bind off with a 408.
 *   The scheduler bounds each call with its own `httpTimeout`, and the binder with its timeout
 *   and the AbortSignal raised when the scheduler hangs up.
 *
 * Shutdown (SIGTERM/SIGINT, or close()): readiness goes false, the listener stops accepting,
 * idle keep-alive connections are closed (and again as in-flight requests finish), in-flight
 * requests get up to `drainTimeoutMs` before their connections are cut, then the onShutdown
 * hooks run (each bounded by `hookTimeoutMs`). On a signal the process then exits 0.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Readiness } from './http/readiness.js';

export const KEEP_ALIVE_TIMEOUT_MS = 95_000;
export const HEADERS_TIMEOUT_MS = 96_000;
export const REQUEST_TIMEOUT_MS = 0;
/** Below Kubernetes' default 30 s terminationGracePeriodSeconds, leaving room for the hooks. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 20_000;
export const DEFAULT_HOOK_TIMEOUT_MS = 5_000;

export type ShutdownHook = () => void | Promise<void>;

export interface StartServerOptions {
  readonly app: RequestListener;
  readonly port: number;
  readonly host?: string;
  readonly logger: Logger;
  /** Run after the server has closed (stop informers, flush logs, …), in order. */
  readonly onShutdown?: ShutdownHook | readonly ShutdownHook[];
  /** Gets a failing "shutdown" condition as the very first shutdown step. */
  readonly readiness?: Readiness;
  readonly drainTimeoutMs?: number;
  readonly hookTimeoutMs?: number;
  /** Signals that trigger a graceful shutdown and exit. Default SIGTERM, SIGINT; [] for none. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Called with the exit code after a signal-triggered shutdown. Default process.exit. */
  readonly exit?: (code: number) => void;
}

export interface RunningServer {
  readonly server: Server;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Graceful shutdown without signals or exiting; idempotent. */
  close(): Promise<void>;
}

function delay(ms: number): { promise: Promise<'timeout'>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, ms);
    timer.unref();
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
    },
  };
}

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const { logger } = opts;
  const hooks: readonly ShutdownHook[] = opts.onShutdown === undefined ? [] : typeof opts.onShutdown === 'function' ? [opts.onShutdown] : opts.onShutdown;
  const drainTimeoutMs = opts.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const hookTimeoutMs = opts.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = opts.exit ?? ((code: number) => process.exit(code));

  const server = createServer(
    { keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    opts.app,
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => {
    logger.error({ err }, 'http server error');
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host: opts.host, port }, 'listening');

  let closing: Promise<void> | undefined;

  async function shutdown(): Promise<void> {
    opts.readiness?.set('shutdown', false, 'shutting down');
    removeSignalHandlers();
    const closed = new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
    server.closeIdleConnections();
    // Connections that were busy become idle once their response is written; close them too.
    const sweep = setInterval(() => {
      server.closeIdleConnections();
    }, 100);
    sweep.unref();
    const drain = delay(drainTimeoutMs);
    const result = await Promise.race([closed.then(() => 'closed' as const), drain.promise]);
    drain.cancel();
    if (result === 'timeout') {
      logger.warn({ drainTimeoutMs }, 'in-flight requests did not finish in time; closing their connections');
      server.closeAllConnections();
      await closed;
    }
    clearInterval(sweep);
    for (const hook of hooks) {
      const limit = delay(hookTimeoutMs);
      try {
        const r = await Promise.race([Promise.resolve().then(hook), limit.promise]);
        if (r === 'timeout') logger.error({ hookTimeoutMs }, 'shutdown hook timed out');
      } catch (err) {
        logger.error({ err }, 'shutdown hook failed');
      } finally {
        limit.cancel();
      }
    }
    logger.info('http server stopped');
  }

  function close(): Promise<void> {
    closing ??= shutdown();
    return closing;
  }

  function onSignal(signal: NodeJS.Signals): void {
    if (closing) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      exit(1);
      return;
    }
    logger.info({ signal }, 'shutting down');
    close().then(
      () => {
        exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  }

  function removeSignalHandlers(): void {
    for (const s of signals) process.off(s, onSignal);
  }
  for (const s of signals) process.on(s, onSignal);

  return { server, port, close };
}
