/**
 * Live cluster source: one client-node ListWatch per kind, feeding the ClusterStore.
 *
 * Division of labour with @kubernetes/client-node 2.0.1 (verified in test/live):
 * - client-node handles, inside one ListWatch: re-watch from the last resourceVersion after a
 *   clean server close (backing off 1 s doubling to 30 s while closes come without events), re-watch
 *   at once after its 30 s client-side inactivity timeout, and a relist after 410 Gone (HTTP 410 on
 *   the watch request or an ERROR event with code 410 in the stream).
 * - Any other error (list failure, non-410 HTTP error on the watch, connection refused/reset) ends
 *   the ListWatch for good: it emits `error` and never retries. That is where this supervisor
 *   comes in: it classifies the error, marks the kind down, and after an exponential backoff with
 *   jitter starts a *fresh* ListWatch (never calling start() on a used one), whose first list
 *   reconciles the store. The backoff resets once a list succeeded and the watch after it opened.
 *
 * Store feeding: every list (initial, after 410, after a restart) → store.replaceAll(kind, items);
 * watch ADDED/MODIFIED → store.upsert, DELETED → store.remove. The add/update/delete callbacks
 * ListWatch emits while it digests a list are ignored (replaceAll already applied that list), so
 * only callbacks raised by a watch event reach the store.
 *
 * No staleness watchdog: client-node 2.x already aborts a watch that received no bytes for 30 s
 * and re-watches (a half-open connection is therefore noticed within 30 s), and a LIST page has
 * its own timeout here. `vte_informer_last_event_age_seconds` exposes liveness for alerting.
 *
 * stop(): cancels restart timers and client-node's reconnect delays, aborts lists and open
 * watches, waits (bounded) for watch requests still connecting, and unregisters the metrics.
 */
import {
  ADD,
  CONNECT,
  DELETE,
  ERROR,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  UPDATE,
  V1ListMeta,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { type ClusterStore, type Kind, KINDS, objectKey } from '../cluster/store.js';
import type { KubeObject } from '../engine/types.js';
import { backoffDelay, type BackoffSettings, classifyError, DEFAULT_BACKOFF, type ErrorClass } from './informer-errors.js';
import { listAll } from './informer-list.js';
import { pruneObject } from './informer-prune.js';
import { HookedWatch, type WatchHandle, type WatchHooks } from './informer-watch.js';

export { classifyError, backoffDelay, DEFAULT_BACKOFF } from './informer-errors.js';
export { pruneNode, pruneObject, prunePod, stripManagedFields } from './informer-prune.js';

/** Collection paths (all namespaces for the namespaced kinds). */
export const RESOURCE_PATHS: Readonly<Record<Kind, string>> = {
  Node: '/api/v1/nodes',
  Pod: '/api/v1/pods',
  PersistentVolume: '/api/v1/persistentvolumes',
  PersistentVolumeClaim: '/api/v1/persistentvolumeclaims',
  StorageClass: '/apis/storage.k8s.io/v1/storageclasses',
  CSIDriver: '/apis/storage.k8s.io/v1/csidrivers',
  CSIStorageCapacity: '/apis/storage.k8s.io/v1/csistoragecapacities',
  CSINode: '/apis/storage.k8s.io/v1/csinodes',
};

export interface InformerOptions {
  /** Supervisor restart backoff; default 1 s doubling to 30 s, ±20 % jitter. */
  readonly backoff?: Partial<BackoffSettings>;
  /**
   * Multiplies client-node's internal watch-reconnect delays (1 s doubling to 30 s after
   * event-less server closes). 1 in production; tests use a small factor.
   */
  readonly watchReconnectDelayScale?: number;
  /** Server-side timeoutSeconds for each watch, drawn uniformly from [min, max]; default [300, 600]; false: not sent. */
  readonly watchTimeoutSeconds?: readonly [number, number] | false;
  /** LIST page size (limit/continue); default 500; 0 = unpaged. */
  readonly listPageSize?: number;
  /** Timeout of one LIST page request; default 60 s. */
  readonly listPageTimeoutMs?: number;
  /** How long stop() waits for open watch streams to close; default 5 s. */
  readonly stopTimeoutMs?: number;
  /** Randomness for jitter (tests). */
  readonly random?: () => number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
  /**
   * Called whenever ready()'s answer changes (including the reason), e.g. to feed a push-style
   * readiness registry: `(r) => readiness.set('informers', r.ready, r.ready ? undefined : r.reason)`.
   */
  readonly onReadinessChange?: (r: LiveReadiness) => void;
}

export interface StartInformersArgs {
  readonly kc: KubeConfig;
  readonly store: ClusterStore;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly options?: InformerOptions;
}

export type KindState = 'pending' | 'synced' | 'down';

export interface KindStatus {
  /** pending: initial list not done yet; synced: listed and not failed since; down: failed, restart pending/under way. */
  readonly state: KindState;
  readonly everSynced: boolean;
  readonly lastError: string | undefined;
  readonly lastErrorClass: ErrorClass | undefined;
  /** Supervisor restarts (fresh ListWatch after an error). */
  readonly restarts: number;
  /** Open watch streams (0 or 1 in steady state). */
  readonly openWatches: number;
}

export type LiveReadiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

export interface LiveSource {
  /** Ready when every kind has listed and none is down. `reason` names the kinds that are not. */
  ready(): LiveReadiness;
  /** Resolves when every kind is synced; rejects after timeoutMs naming the kinds that are not (or on stop()). */
  waitForSync(timeoutMs: number): Promise<void>;
  /** Per-kind detail (for /readyz bodies, debugging and tests). */
  status(): Readonly<Record<Kind, KindStatus>>;
  /** Stops every informer, aborts lists and watches, and unregisters the metrics. Idempotent. */
  stop(): Promise<void>;
}

interface Shared {
  readonly kc: KubeConfig;
  readonly store: ClusterStore;
  readonly logger: Logger;
  readonly backoff: BackoffSettings;
  readonly reconnectScale: number;
  readonly watchTimeout: readonly [number, number] | false;
  readonly pageSize: number;
  readonly pageTimeoutMs: number;
  readonly random: () => number;
  readonly now: () => number;
  readonly stopSignal: AbortSignal;
  readonly restarts: Counter<'kind'>;
  readonly errors: Counter<'kind' | 'class'>;
  readonly changed: () => void;
}

function abortError(): Error {
  return new DOMException('informer stopped', 'AbortError');
}

class KindInformer {
  readonly #kind: Kind;
  readonly #path: string;
  readonly #s: Shared;
  readonly #log: Logger;
  #state: KindState = 'pending';
  #everSynced = false;
  #lastError: string | undefined;
  #lastErrorClass: ErrorClass | undefined;
  #restarts = 0;
  /** Consecutive failures: the next backoff exponent. */
  #attempt = 0;
  /** Generation of the current ListWatch; callbacks of older ones are ignored. */
  #gen = 0;
  #failedGen = 0;
  #listedGen = 0;
  #lw: ListWatch<KubernetesObject> | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** True only while a watch event of the current generation is being delivered. */
  #inWatchEvent = false;
  readonly #open = new Map<WatchHandle, AbortController>();
  /** Watch requests waiting for response headers (client-node exposes no way to abort them). */
  readonly #connecting = new Set<WatchHandle>();
  readonly #lists = new Set<Promise<unknown>>();
  readonly #delays = new Set<() => void>();
  #closeWaiters: (() => void)[] = [];
  lastActivityAt: number | undefined;

  constructor(kind: Kind, s: Shared) {
    this.#kind = kind;
    this.#path = RESOURCE_PATHS[kind];
    this.#s = s;
    this.#log = s.logger.child({ kind });
  }

  get state(): KindState {
    return this.#state;
  }

  status(): KindStatus {
    return {
      state: this.#state,
      everSynced: this.#everSynced,
      lastError: this.#lastError,
      lastErrorClass: this.#lastErrorClass,
      restarts: this.#restarts,
      openWatches: this.#open.size,
    };
  }

  start(): void {
    this.#launch();
  }

  #launch(): void {
    if (this.#stopped) return;
    const gen = ++this.#gen;
    const lw = new ListWatch<KubernetesObject>(
      this.#path,
      new HookedWatch(this.#s.kc, this.#hooks(gen)),
      () => this.#list(gen),
      false,
      undefined,
      undefined,
      { delayFn: (ms) => this.#delay(ms) },
    );
    lw.on(ADD, (o) => { this.#apply(gen, 'upsert', o); });
    lw.on(UPDATE, (o) => { this.#apply(gen, 'upsert', o); });
    lw.on(DELETE, (o) => { this.#apply(gen, 'remove', o); });
    lw.on(CONNECT, () => {
      if (gen === this.#gen && !this.#stopped) this.#log.debug({ path: this.#path }, 'informer connecting (list or watch)');
    });
    lw.on(ERROR, (err: unknown) => { this.#failed(gen, err); });
    this.#lw = lw;
    // start() resolves once the first watch is open or the first attempt failed; failures are
    // reported through the ERROR callback. A rejection is not expected, but must not go unhandled.
    lw.start().catch((err: unknown) => { this.#failed(gen, err); });
  }

  async #list(gen: number): Promise<KubernetesListObject<KubernetesObject>> {
    const t0 = this.#s.now();
    this.#log.debug({ path: this.#path }, 'informer listing');
    const p = listAll(this.#s.kc, this.#path, {
      pageSize: this.#s.pageSize,
      signal: this.#s.stopSignal,
      pageTimeoutMs: this.#s.pageTimeoutMs,
      transform: (o) => pruneObject(this.#kind, o),
    });
    this.#lists.add(p);
    let res: Awaited<typeof p>;
    try {
      res = await p;
    } finally {
      this.#lists.delete(p);
    }
    if (this.#stopped || gen !== this.#gen) throw abortError();
    this.#s.store.replaceAll(this.#kind, res.items);
    this.#state = 'synced';
    this.#everSynced = true;
    this.#lastError = undefined;
    this.#lastErrorClass = undefined;
    this.#listedGen = gen;
    this.lastActivityAt = this.#s.now();
    this.#log.info(
      { objects: res.items.length, resourceVersion: res.resourceVersion, pages: res.pages, durationMs: this.#s.now() - t0 },
      'informer list done',
    );
    this.#s.changed();
    const metadata = new V1ListMeta();
    metadata.resourceVersion = res.resourceVersion;
    return { metadata, items: res.items as unknown as KubernetesObject[] };
  }

  #apply(gen: number, op: 'upsert' | 'remove', o: KubernetesObject): void {
    // Callbacks raised while ListWatch digests a list are covered by replaceAll in #list.
    if (!this.#inWatchEvent || gen !== this.#gen || this.#stopped) return;
    // client-node types objects as its models (Date timestamps); what it hands us is our pruned JSON.
    const obj = o as unknown as KubeObject;
    try {
      if (op === 'upsert') this.#s.store.upsert(this.#kind, obj);
      else this.#s.store.remove(this.#kind, obj);
    } catch (err) {
      this.#log.error({ err, op, key: objectKey(this.#kind, obj) }, 'store rejected an informer event');
    }
  }

  #hooks(gen: number): WatchHooks {
    const current = (): boolean => gen === this.#gen && !this.#stopped;
    return {
      isStopped: () => !current(),
      params: () => {
        const p: Record<string, string | number | boolean> = { allowWatchBookmarks: true };
        const t = this.#s.watchTimeout;
        if (t) p.timeoutSeconds = Math.round(t[0] + (t[1] - t[0]) * this.#s.random());
        return p;
      },
      event: (phase, obj, deliver) => {
        if (!current()) return;
        switch (phase) {
          case 'ADDED':
          case 'MODIFIED':
          case 'DELETED':
            this.lastActivityAt = this.#s.now();
            this.#inWatchEvent = true;
            try {
              deliver(pruneObject(this.#kind, obj));
            } finally {
              this.#inWatchEvent = false;
            }
            return;
          case 'BOOKMARK':
            this.lastActivityAt = this.#s.now();
            deliver(obj);
            return;
          case 'ERROR': {
            const st = obj as { code?: unknown; reason?: unknown; message?: unknown };
            if (st.code === 410) this.#log.info({ reason: st.reason, message: st.message }, 'watch expired (410 in stream); client-node relists');
            else this.#log.warn({ code: st.code, reason: st.reason, message: st.message }, 'watch ERROR event');
            deliver(obj);
            return;
          }
          default:
            this.#log.warn({ phase }, 'unknown watch event type; dropped');
        }
      },
      begin: (handle) => {
        this.#connecting.add(handle);
      },
      settled: (handle) => {
        this.#connecting.delete(handle);
        this.#notifyIdle();
      },
      connected: (handle, controller) => {
        this.#open.set(handle, controller);
        if (!current()) return;
        // A watch the server accepted proves the informer alive, also for kinds that see no events
        // for long (client-node re-watches quiet streams every 30 s).
        this.lastActivityAt = this.#s.now();
        if (this.#listedGen === gen) this.#attempt = 0;
        this.#log.debug({ resourceVersion: handle.query.resourceVersion }, 'watch open');
      },
      closed: (handle, err) => {
        const wasOpen = this.#open.delete(handle);
        this.#notifyIdle();
        if (!current()) return;
        if (err === null || err === undefined) {
          if (wasOpen) this.#log.debug('watch closed by the server; client-node re-watches from the last resourceVersion');
          return;
        }
        const c = classifyError(err);
        if (c.class === 'timeout') this.#log.debug('watch idle timeout (client-node); re-watching');
        else if (c.class === 'expired') this.#log.info('watch expired (HTTP 410); client-node relists');
        // Everything else reaches #failed through ListWatch's ERROR callback.
      },
      handlerError: (err) => {
        this.#log.error({ err }, 'informer event handling failed');
      },
    };
  }

  /** Wakes stop() once no watch is open or connecting. */
  #notifyIdle(): void {
    if (this.#open.size > 0 || this.#connecting.size > 0) return;
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const w of waiters) w();
  }

  /** ListWatch's reconnect delay, scaled, and cut short by stop(). */
  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stopped) {
        resolve();
        return;
      }
      const finish = (): void => {
        clearTimeout(timer);
        this.#delays.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms * this.#s.reconnectScale);
      this.#delays.add(finish);
    });
  }

  #failed(gen: number, err: unknown): void {
    // Our own stop() makes ListWatch emit an AbortError; a replaced ListWatch may still report.
    if (this.#stopped || gen !== this.#gen || this.#failedGen === gen) return;
    this.#failedGen = gen;
    const c = classifyError(err);
    this.#s.errors.inc({ kind: this.#kind, class: c.class });
    this.#state = 'down';
    this.#lastError = c.message;
    this.#lastErrorClass = c.class;
    void this.#lw?.stop(); // already finished after an error; makes sure it stays so
    for (const ctrl of this.#open.values()) ctrl.abort();
    const delayMs = backoffDelay(this.#attempt, this.#s.backoff, this.#s.random);
    this.#attempt++;
    const fields = { errorClass: c.class, status: c.status, error: c.message, retryInMs: delayMs, attempt: this.#attempt };
    if (c.class === 'auth') {
      this.#log.error(fields, `informer ${this.#kind}: RBAC/credentials error (HTTP ${c.status ?? '?'}); check the ClusterRole/ClusterRoleBinding and the token; retrying with backoff`);
    } else if (c.class === 'client') {
      this.#log.error(fields, `informer ${this.#kind}: request rejected (HTTP ${c.status ?? '?'}); is the resource served by this cluster? retrying with backoff`);
    } else {
      this.#log.warn(fields, `informer ${this.#kind} failed; restarting with backoff`);
    }
    this.#s.changed();
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#stopped) return;
      this.#restarts++;
      this.#s.restarts.inc({ kind: this.#kind });
      this.#log.info({ restarts: this.#restarts }, 'informer restarting (fresh list)');
      this.#launch();
    }, delayMs);
  }

  async stop(timeoutMs: number): Promise<void> {
    this.#stopped = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    for (const finish of [...this.#delays]) finish();
    await this.#lw?.stop();
    for (const ctrl of this.#open.values()) ctrl.abort();
    const lists = [...this.#lists].map((p) => p.catch(() => undefined));
    const idle = this.#open.size === 0 && this.#connecting.size === 0;
    const closed = idle ? Promise.resolve() : new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#log.warn({ openWatches: this.#open.size, connectingWatches: this.#connecting.size }, 'watch requests still open after the stop timeout');
        resolve();
      }, timeoutMs);
    });
    await Promise.race([Promise.all([closed, ...lists]), timeout]);
    clearTimeout(timer);
  }
}

const METRIC_NAMES = [
  'vte_informer_synced',
  'vte_informer_restarts_total',
  'vte_informer_errors_total',
  'vte_informer_last_event_age_seconds',
  'vte_cluster_objects',
] as const;

export function startInformers(args: StartInformersArgs): LiveSource {
  const { kc, store, registry } = args;
  const o = args.options ?? {};
  const logger = args.logger.child({ component: 'informers' });
  const now = o.now ?? Date.now;
  const stopController = new AbortController();
  let stopped = false;
  let stopping: Promise<void> | undefined;
  const waiters = new Set<() => void>();
  const informers = new Map<Kind, KindInformer>();
  let lastReadiness: string | undefined;

  const restarts = new Counter({
    name: 'vte_informer_restarts_total',
    help: 'Informer restarts by the supervisor (fresh list+watch after an error), by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'vte_informer_errors_total',
    help: 'Informer failures by kind and class (auth, server, network, client, throttled, expired, timeout, unknown).',
    labelNames: ['kind', 'class'] as const,
    registers: [registry],
  });
  for (const kind of KINDS) restarts.inc({ kind }, 0);

  const shared: Shared = {
    kc,
    store,
    logger,
    backoff: { ...DEFAULT_BACKOFF, ...o.backoff },
    reconnectScale: o.watchReconnectDelayScale ?? 1,
    watchTimeout: o.watchTimeoutSeconds ?? [300, 600],
    pageSize: o.listPageSize ?? 500,
    pageTimeoutMs: o.listPageTimeoutMs ?? 60_000,
    random: o.random ?? Math.random,
    now,
    stopSignal: stopController.signal,
    restarts,
    errors,
    changed: () => {
      for (const w of [...waiters]) w();
      if (o.onReadinessChange) {
        const r = source.ready();
        const key = r.ready ? '' : r.reason;
        if (key !== lastReadiness) {
          lastReadiness = key;
          o.onReadinessChange(r);
        }
      }
    },
  };
  for (const kind of KINDS) informers.set(kind, new KindInformer(kind, shared));
  const inf = (kind: Kind): KindInformer => informers.get(kind)!;

  new Gauge({
    name: 'vte_informer_synced',
    help: '1 when the informer for this kind has listed and has not failed since; 0 otherwise.',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      for (const kind of KINDS) this.set({ kind }, inf(kind).state === 'synced' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'vte_informer_last_event_age_seconds',
    help: 'Seconds since the last successful list, watch event, bookmark or watch (re)connect for this kind (absent before the first).',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const t = now();
      for (const kind of KINDS) {
        const at = inf(kind).lastActivityAt;
        if (at !== undefined) this.set({ kind }, Math.max(0, (t - at) / 1000));
      }
    },
  });
  new Gauge({
    name: 'vte_cluster_objects',
    help: 'Objects held in the cluster store, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      const counts = store.counts();
      for (const kind of KINDS) this.set({ kind }, counts[kind]);
    },
  });

  const notReady = (): { pending: Kind[]; down: Kind[] } => ({
    pending: KINDS.filter((k) => inf(k).state === 'pending'),
    down: KINDS.filter((k) => inf(k).state === 'down'),
  });
  const describe = (pending: Kind[], down: Kind[]): string => {
    const parts: string[] = [];
    if (pending.length > 0) parts.push(`not synced yet: ${pending.join(', ')}`);
    if (down.length > 0) parts.push(`down: ${down.map((k) => `${k} (${inf(k).status().lastError ?? 'error'})`).join('; ')}`);
    return parts.join('; ');
  };

  const source: LiveSource = {
    ready() {
      if (stopped) return { ready: false, reason: 'informers stopped' };
      const { pending, down } = notReady();
      if (pending.length === 0 && down.length === 0) return { ready: true };
      return { ready: false, reason: describe(pending, down) };
    },

    waitForSync(timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const finish = (err?: Error): void => {
          waiters.delete(check);
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        };
        const check = (): void => {
          if (stopped) {
            finish(new Error('informers stopped before they synced'));
            return;
          }
          const { pending, down } = notReady();
          if (pending.length === 0 && down.length === 0) finish();
        };
        const timer = setTimeout(() => {
          const { pending, down } = notReady();
          const names = [...pending, ...down];
          finish(new Error(`informers not synced after ${timeoutMs} ms: ${names.join(', ')} (${describe(pending, down)})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },

    status() {
      const out = {} as Record<Kind, KindStatus>;
      for (const kind of KINDS) out[kind] = inf(kind).status();
      return out;
    },

    stop() {
      stopping ??= (async () => {
        stopped = true;
        stopController.abort(abortError());
        shared.changed();
        await Promise.all(KINDS.map((k) => inf(k).stop(o.stopTimeoutMs ?? 5000)));
        for (const name of METRIC_NAMES) registry.removeSingleMetric(name);
        logger.info('informers stopped');
      })();
      return stopping;
    },
  };

  const server = kc.getCurrentCluster()?.server;
  logger.info({ server, kinds: KINDS }, 'starting informers');
  for (const kind of KINDS) inf(kind).start();
  return source;
}
