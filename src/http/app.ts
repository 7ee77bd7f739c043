/**
 * The extender's HTTP surface (Express 5):
 *   POST {prefix}/filter | /prioritize | /bind | /preempt   (JSON, §15)
 *   GET  /healthz  /readyz  /metrics
 * Handlers stay thin (decode → engine → encode, see ./verbs); this module owns middleware,
 * instrumentation and the error contract: every non-200 carries a JSON `{"Error": "..."}` body,
 * bad input is a 400 (413 for an oversized body), anything unexpected a deliberate 500.
 */
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import { beginRequest, HttpError, setOutcome, verbOf } from './context.js';
import type { AppDeps } from './deps.js';
import type { ExtenderMetrics, RequestOutcome, Verb } from './metrics.js';
import { bindHandler } from './verbs/bind.js';
import { filterHandler } from './verbs/filter.js';
import { preemptHandler } from './verbs/preempt.js';
import { prioritizeHandler } from './verbs/prioritize.js';
import { candidateNames, errorResult, filterError, hostPriority } from './wire.js';

export type { AppDeps, ReadyState } from './deps.js';

export const DEFAULT_PREFIX = '/scheduler';
export const DEFAULT_BODY_LIMIT = '20mb';
/** Probe and scrape paths: never access-logged (kubelet and Prometheus call them constantly). */
const QUIET_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);
const MAX_REQUEST_ID = 128;

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

/** "/scheduler/" → "/scheduler"; "" or "/" → "" (verbs at the root). */
export function normalizePrefix(prefix: string): string {
  const p = prefix.replace(/\/+$/, '');
  return p === '' || p.startsWith('/') ? p : `/${p}`;
}

/** Times every verb call and counts 4xx, whatever path the request takes (handler or error). */
function instrument(verb: Verb, metrics: ExtenderMetrics): RequestHandler {
  return (_req, res, next) => {
    const end = metrics.requestDuration.startTimer({ verb });
    const st = beginRequest(res, verb);
    res.once('close', () => {
      let outcome: RequestOutcome;
      if (!res.writableFinished) outcome = 'aborted';
      else if (res.statusCode >= 500) outcome = 'internal_error';
      else if (res.statusCode >= 400) outcome = 'bad_request';
      else outcome = st.outcome ?? 'ok';
      if (outcome === 'bad_request') metrics.badRequests.inc({ verb });
      end({ outcome });
    });
    next();
  };
}

interface BodyParserError {
  readonly type: string;
  readonly status: number;
  readonly message: string;
  readonly limit?: number;
  readonly length?: number;
}

/** body-parser (raw-body) errors carry `type` and `status`/`statusCode` (400, 413, 415). */
function asBodyParserError(err: unknown): BodyParserError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err) || typeof err.type !== 'string') return undefined;
  const e = err as { type: string; status?: unknown; statusCode?: unknown; message?: unknown; limit?: unknown; length?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status === undefined || status < 400 || status > 499) return undefined;
  return {
    type: e.type,
    status,
    message: typeof e.message === 'string' ? e.message : e.type,
    ...(typeof e.limit === 'number' ? { limit: e.limit } : {}),
    ...(typeof e.length === 'number' ? { length: e.length } : {}),
  };
}

function describeBodyParserError(e: BodyParserError, limit: string | number): string {
  switch (e.type) {
    case 'entity.parse.failed':
      return `malformed JSON body: ${e.message}`;
    case 'entity.too.large':
      return `request body${e.length === undefined ? '' : ` of ${e.length} bytes`} is larger than the configured limit of ${String(limit)}${e.limit === undefined ? '' : ` (${e.limit} bytes)`}`;
    default:
      return e.message;
  }
}

export function createApp(deps: AppDeps): Express {
  const prefix = normalizePrefix(deps.prefix ?? DEFAULT_PREFIX);
  const bodyLimit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const { metrics } = deps;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(
    pinoHttp({
      logger: deps.logger,
      quietReqLogger: true,
      genReqId: (req, res) => {
        const h = req.headers['x-request-id'];
        const id = typeof h === 'string' && h !== '' && h.length <= MAX_REQUEST_ID ? h : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      // Requests at debug (the scheduler calls us for every pod); failures louder.
      customLogLevel: (_req, res, err) => (err !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug'),
      autoLogging: { ignore: (req) => QUIET_PATHS.has(pathOf(req.url)) },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const r = deps.ready();
    if (r.ready) res.type('text/plain').send('ok');
    else res.status(503).type('text/plain').send(`not ready: ${r.reason ?? 'unknown reason'}`);
  });
  app.get('/metrics', async (_req, res) => {
    const body = await metrics.registry.metrics();
    res.set('Content-Type', metrics.registry.contentType).send(body);
  });

  // strict: only objects and arrays; a missing/other Content-Type leaves req.body undefined,
  // which the decoders report as a 400.
  const json = express.json({ limit: bodyLimit, strict: true });
  const verbs = express.Router();
  const handlers: Record<Verb, RequestHandler> = {
    filter: filterHandler(deps),
    prioritize: prioritizeHandler(deps),
    bind: bindHandler(deps),
    preempt: preemptHandler(deps),
  };
  // Until the cluster cache is synced (and while shutting down) a decision would be made on
  // missing data ("persistentvolumeclaim not found"): answer a scheduling error instead, which
  // kube-scheduler retries with backoff. prioritize answers neutral scores (its errors are
  // ignored anyway).
  const notReady: RequestHandler = (req, res, next) => {
    const r = deps.ready();
    if (r.ready) {
      next();
      return;
    }
    const verb = verbOf(res) ?? 'filter';
    const msg = `volume-topology-extender is not ready: ${r.reason ?? 'unknown reason'}`;
    setOutcome(res, 'error');
    if (verb === 'filter') res.json(filterError(msg));
    else if (verb === 'bind') res.json(errorResult(msg));
    else if (verb === 'prioritize') {
      const names = candidateNames(req.body);
      res.json(names.map((n) => hostPriority(n, 0)));
    } else res.status(503).json(errorResult(msg));
  };
  for (const [verb, handler] of Object.entries(handlers) as [Verb, RequestHandler][]) {
    verbs.post(`/${verb}`, instrument(verb, metrics), json, notReady, handler);
    verbs.all(`/${verb}`, (req, res) => {
      res.set('Allow', 'POST').status(405).json(errorResult(`${verb}: method ${req.method} not allowed; use POST`));
    });
  }
  app.use(prefix === '' ? '/' : prefix, verbs);

  app.use((req, res) => {
    res.status(404).json(errorResult(`no route for ${req.method} ${pathOf(req.originalUrl)}`));
  });

  const onError: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent) {
      // Too late for a clean answer: let Express close the connection.
      next(err);
      return;
    }
    const verb = verbOf(res);
    const tag = verb === undefined ? '' : `${verb}: `;
    if (err instanceof HttpError && err.status < 500) {
      res.status(err.status).json(errorResult(err.message));
      return;
    }
    const bp = asBodyParserError(err);
    if (bp) {
      res.status(bp.status).json(errorResult(`${tag}${describeBodyParserError(bp, bodyLimit)}`));
      return;
    }
    req.log.error({ err, verb }, 'unhandled error');
    const message = err instanceof Error ? err.message : String(err);
    res.status(500).json(errorResult(`${tag}internal error: ${message}`));
  };
  app.use(onError);

  return app;
}
