/**
 * A loopback fake of the Kubernetes API, just enough for list+watch informers:
 *
 * - GET <collection>            → a List with metadata.resourceVersion (limit/continue paging);
 * - GET <collection>?watch=true → 200 and newline-delimited JSON events, replaying recorded events
 *                                 newer than ?resourceVersion, then live ones pushed by the test;
 *                                 a resourceVersion older than the last compact() gets an ERROR 410
 *                                 event and the stream ends (what the API server's watch cache does);
 * - scripted failures per path: HTTP status with a Status body, a held (parked) request, or a reset socket.
 *
 * Objects are kept per collection path keyed by namespace/name. `emit` changes the collection and
 * pushes the event to open watches; `send` pushes a raw event without touching the collection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export type Mode = 'list' | 'watch';

export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface RequestRecord {
  readonly path: string;
  readonly mode: Mode;
  readonly query: URLSearchParams;
  /** 200, a failure status, 'held' or 'reset'. */
  readonly outcome: number | 'held' | 'reset';
  /** performance.now() when the request arrived. */
  readonly at: number;
}

type Action = { status: number; reason?: string } | { hold: Promise<void> } | { reset: true };

interface Rule {
  readonly path: string;
  readonly mode: Mode | 'any';
  remaining: number;
  readonly action: Action;
}

interface WatchConn {
  readonly path: string;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 410: 'Expired', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' };

function keyOf(o: Obj): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export class FakeApiServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #rv = 1000;
  #compactedRV = 0;
  readonly #collections = new Map<string, Map<string, Obj>>();
  readonly #history: { rv: number; path: string; line: string }[] = [];
  readonly #watches = new Set<WatchConn>();
  readonly #rules: Rule[] = [];
  readonly requests: RequestRecord[] = [];
  port = 0;

  private constructor() {
    this.#server = createServer((req, res) => {
      this.#handle(req, res);
    });
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  static async start(): Promise<FakeApiServer> {
    const f = new FakeApiServer();
    await new Promise<void>((resolve) => f.#server.listen(0, '127.0.0.1', resolve));
    f.port = (f.#server.address() as AddressInfo).port;
    return f;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A fresh resourceVersion (global, increasing). */
  nextRV(): string {
    return String(++this.#rv);
  }

  /** Replaces a collection's content (no events). Objects without resourceVersion get one. */
  setObjects(path: string, objs: readonly Obj[]): void {
    const m = new Map<string, Obj>();
    for (const o of objs) {
      const copy = structuredClone(o);
      copy.metadata.resourceVersion ??= this.nextRV();
      m.set(keyOf(copy), copy);
    }
    this.#collections.set(path, m);
  }

  objects(path: string): Obj[] {
    return [...(this.#collections.get(path)?.values() ?? [])];
  }

  /** Changes the collection and pushes the event to open watches (and records it for replay). */
  emit(path: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: Obj): Obj {
    const copy = structuredClone(obj);
    const given = Number(copy.metadata.resourceVersion);
    if (Number.isFinite(given) && given > this.#rv) this.#rv = given;
    copy.metadata.resourceVersion ??= this.nextRV();
    let m = this.#collections.get(path);
    if (!m) {
      m = new Map();
      this.#collections.set(path, m);
    }
    if (type === 'DELETED') m.delete(keyOf(copy));
    else m.set(keyOf(copy), copy);
    const line = `${JSON.stringify({ type, object: copy })}\n`;
    this.#history.push({ rv: Number(copy.metadata.resourceVersion), path, line });
    for (const w of this.#watches) if (w.path === path) w.res.write(line);
    return copy;
  }

  /** Pushes a raw event to the open watches of `path` (no collection change); `end` closes them after. */
  send(path: string, type: EventType, object: unknown, end = false): number {
    let n = 0;
    for (const w of [...this.#watches]) {
      if (w.path !== path) continue;
      w.res.write(`${JSON.stringify({ type, object })}\n`);
      if (end) this.#end(w);
      n++;
    }
    return n;
  }

  /** Every watch from a resourceVersion older than now gets 410 from here on. */
  compact(): void {
    this.#compactedRV = this.#rv;
    this.#history.length = 0;
  }

  /** What the API server does when a watch's resourceVersion is too old: ERROR 410 in the stream, then close. */
  expireWatches(path: string): number {
    this.compact();
    return this.send(path, 'ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' }, true);
  }

  /** Ends open watch streams cleanly (like the server's timeoutSeconds). */
  closeWatches(path?: string): number {
    let n = 0;
    for (const w of [...this.#watches]) {
      if (path === undefined || w.path === path) {
        this.#end(w);
        n++;
      }
    }
    return n;
  }

  /** Destroys the sockets of open watch streams (a network failure mid-stream). */
  resetWatches(path?: string): number {
    let n = 0;
    for (const w of [...this.#watches]) {
      if (path === undefined || w.path === path) {
        this.#watches.delete(w);
        w.res.socket?.destroy();
        n++;
      }
    }
    return n;
  }

  openWatches(path?: string): number {
    let n = 0;
    for (const w of this.#watches) if (path === undefined || w.path === path) n++;
    return n;
  }

  /** The next `times` (default 1; Infinity for always) requests get HTTP `status`. Returns a remover. */
  fail(path: string, status: number, opts: { mode?: Mode | 'any'; times?: number } = {}): () => void {
    return this.#addRule({ path, mode: opts.mode ?? 'any', remaining: opts.times ?? 1, action: { status } });
  }

  /** Parks the next matching request until the returned function is called. */
  hold(path: string, mode: Mode | 'any' = 'list'): () => void {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    this.#addRule({ path, mode, remaining: 1, action: { hold } });
    return release;
  }

  /** The next matching request gets its socket destroyed. */
  reset(path: string, mode: Mode | 'any' = 'any'): void {
    this.#addRule({ path, mode, remaining: 1, action: { reset: true } });
  }

  count(path: string, mode?: Mode, outcome?: RequestRecord['outcome']): number {
    return this.requests.filter((r) => r.path === path && (mode === undefined || r.mode === mode) && (outcome === undefined || r.outcome === outcome)).length;
  }

  async close(): Promise<void> {
    for (const w of this.#watches) w.res.socket?.destroy();
    this.#watches.clear();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => { resolve(); }));
  }

  #addRule(rule: Rule): () => void {
    this.#rules.push(rule);
    return () => {
      const i = this.#rules.indexOf(rule);
      if (i >= 0) this.#rules.splice(i, 1);
    };
  }

  #end(w: WatchConn): void {
    this.#watches.delete(w);
    w.res.end();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const at = performance.now();
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const mode: Mode = url.searchParams.get('watch') === 'true' ? 'watch' : 'list';
    const rule = this.#rules.find((r) => r.path === path && (r.mode === 'any' || r.mode === mode) && r.remaining > 0);
    if (rule) {
      rule.remaining--;
      if (rule.remaining <= 0) this.#rules.splice(this.#rules.indexOf(rule), 1);
      const a = rule.action;
      if ('reset' in a) {
        this.requests.push({ path, mode, query: url.searchParams, outcome: 'reset', at });
        req.socket.destroy();
        return;
      }
      if ('hold' in a) {
        this.requests.push({ path, mode, query: url.searchParams, outcome: 'held', at });
        void a.hold.then(() => {
          if (!req.socket.destroyed) this.#serve(path, mode, url.searchParams, req, res);
        });
        return;
      }
      this.requests.push({ path, mode, query: url.searchParams, outcome: a.status, at });
      const reason = REASONS[a.status] ?? 'Failure';
      res.writeHead(a.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `fake: ${reason}`, reason, code: a.status }));
      return;
    }
    this.requests.push({ path, mode, query: url.searchParams, outcome: 200, at });
    this.#serve(path, mode, url.searchParams, req, res);
  }

  #serve(path: string, mode: Mode, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    if (mode === 'list') {
      const all = [...(this.#collections.get(path)?.values() ?? [])];
      const limit = Number(query.get('limit') ?? 0);
      const start = Number(query.get('continue') ?? 0);
      const end = limit > 0 ? start + limit : all.length;
      // List items come without apiVersion/kind, as from the real API server.
      const items = all.slice(start, end).map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
      const metadata: Record<string, string> = { resourceVersion: String(this.#rv) };
      if (end < all.length) metadata.continue = String(end);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata, items }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const conn: WatchConn = { path, res, query };
    this.#watches.add(conn);
    req.on('close', () => this.#watches.delete(conn));
    const from = Number(query.get('resourceVersion') || 0);
    if (from > 0 && from < this.#compactedRV) {
      res.write(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' } })}\n`);
      this.#end(conn);
      return;
    }
    if (from > 0) for (const h of this.#history) if (h.path === path && h.rv > from) res.write(h.line);
  }
}
