/**
 * Bind in live mode = in-tree Reserve + PreBind + pod Binding in one request (R16.3):
 *   1. load the pod (cache, else API), check its UID; a pod already on this node is a success
 *      (idempotent retry);
 *   2. recompute the plan for the chosen node from the store (informer state + assumptions) —
 *      a filter-time plan is only a hint;
 *   3. assume the new PV claimRefs / PVC selected-node annotations in the store, synchronously
 *      right after planning, so no concurrent bind or filter in this process can pick the same PV;
 *   4. PUT the PVs, then the PVCs, each carrying its resourceVersion: a concurrent change is a 409
 *      → Error (kube-scheduler retries), never an overwrite;
 *   5. optionally wait until the PV controller / provisioner has bound every claim (R10.3);
 *   6. POST pods/binding with the pod UID.
 * Every failure releases the assumptions not yet written (written ones are superseded by the
 * informer event our write causes) and says exactly what failed.
 */
import type { Logger } from 'pino';
import { type ClusterStore, type Kind, OutOfSyncError } from '../cluster/store.js';
import { bindVolumeToClaim, withSelectedNode } from '../engine/bind-plan.js';
import { bindingDependencies, type BindingWrites, checkBindings, dependsOn, type WrittenBinding, type WrittenProvision } from '../engine/check-bindings.js';
import { filterPod, type NodeResult } from '../engine/filter.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../engine/types.js';
import { ApiError, type KubeWriter } from '../live/api.js';
import type { BindRequest, BindResult, Binder } from './binder.js';

export interface LiveBinderOptions {
  /** Wait for the claims to be bound before binding the pod (in-tree PreBind behaviour). */
  readonly waitForBinding: boolean;
  /** Upper bound for that wait; keep it below kube-scheduler's extender httpTimeout. */
  readonly bindTimeoutMs: number;
  /** Fallback re-check interval while waiting (store events also trigger re-checks). */
  readonly pollIntervalMs: number;
  /** Assumptions older than this are dropped by the sweeper (crashed request safety net). */
  readonly assumeTtlMs: number;
}

export const DEFAULT_BINDER_OPTIONS: LiveBinderOptions = {
  waitForBinding: true,
  bindTimeoutMs: 600_000,
  pollIntervalMs: 1_000,
  assumeTtlMs: 630_000,
};

/** Where bind outcomes are reported as Kubernetes Events (rate limiting is the sink's job). */
export interface BindEventSink {
  bindSucceeded(pod: Pod, node: string, summary: string): void;
  bindFailed(pod: Pod, node: string, error: string): void;
}

export interface LiveBinderDeps {
  readonly store: ClusterStore;
  readonly writer: KubeWriter;
  readonly logger: Logger;
  readonly options?: Partial<LiveBinderOptions>;
  readonly events?: BindEventSink;
  readonly now?: () => number;
}

class BindFailure extends Error {
  constructor(
    readonly outcome: BindResult['outcome'],
    message: string,
  ) {
    super(message);
  }
}

function describePlan(r: NodeResult): string {
  const parts = [
    ...r.staticBindings.map((b) => `${b.claim.name} → PV ${b.pv.name}`),
    ...r.provisions.map((p) => `${p.claim.name} → provisioning on the node`),
  ];
  return parts.length > 0 ? parts.join(', ') : 'all claims already bound';
}

export class LiveBinder implements Binder {
  readonly #store: ClusterStore;
  readonly #writer: KubeWriter;
  readonly #log: Logger;
  readonly #opts: LiveBinderOptions;
  readonly #events: BindEventSink | undefined;
  readonly #now: () => number;
  readonly #inFlight = new Map<string, Promise<unknown>>();

  constructor(deps: LiveBinderDeps) {
    this.#store = deps.store;
    this.#writer = deps.writer;
    this.#log = deps.logger;
    this.#opts = { ...DEFAULT_BINDER_OPTIONS, ...deps.options };
    this.#events = deps.events;
    this.#now = deps.now ?? Date.now;
  }

  get options(): LiveBinderOptions {
    return this.#opts;
  }

  /** Starts the TTL sweeper; returns a stop function. */
  startSweeper(intervalMs = 10_000): () => void {
    const t = setInterval(() => {
      const dropped = this.#store.expireAssumptions(this.#now() - this.#opts.assumeTtlMs);
      if (dropped.length > 0) this.#log.warn({ dropped }, 'expired stale volume assumptions (TTL safety net)');
    }, intervalMs);
    t.unref();
    return () => {
      clearInterval(t);
    };
  }

  async bind(req: BindRequest, signal?: AbortSignal): Promise<BindResult> {
    const key = `${req.podNamespace}/${req.podName}`;
    // Serialise binds of one pod (a scheduler retry may overlap an attempt still running).
    const previous = this.#inFlight.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.#bindOnce(req, signal));
    this.#inFlight.set(key, run);
    try {
      return await run;
    } finally {
      if (this.#inFlight.get(key) === run) this.#inFlight.delete(key);
    }
  }

  async #bindOnce(req: BindRequest, signal: AbortSignal | undefined): Promise<BindResult> {
    const log = this.#log.child({ pod: `${req.podNamespace}/${req.podName}`, podUID: req.podUid, node: req.node });
    let pod: Pod | undefined;
    try {
      pod = await this.#loadPod(req);
      const result = await this.#bindPod(pod, req, log, signal);
      if (result.outcome !== 'already_bound') log.info({ outcome: result.outcome }, 'pod bound');
      return result;
    } catch (e) {
      const failure = e instanceof BindFailure ? e : new BindFailure('error', e instanceof Error ? e.message : String(e));
      log.warn({ outcome: failure.outcome, err: failure.message }, 'bind failed');
      if (pod) this.#events?.bindFailed(pod, req.node, failure.message);
      return { outcome: failure.outcome, error: failure.message };
    }
  }

  async #loadPod(req: BindRequest): Promise<Pod> {
    const id = `${req.podNamespace}/${req.podName}`;
    let pod = this.#store.pod(req.podNamespace, req.podName);
    if (!pod || pod.metadata?.uid !== req.podUid) {
      // The cache may lag a fresh pod (or a recreated one); ask the API server.
      try {
        pod = await this.#writer.getPod(req.podNamespace, req.podName);
      } catch (e) {
        throw new BindFailure('error', e instanceof Error ? e.message : String(e));
      }
    }
    if (!pod) throw new BindFailure('rejected', `pod ${id} not found (deleted?)`);
    if (req.podUid && pod.metadata?.uid !== req.podUid) {
      throw new BindFailure('rejected', `pod ${id} has uid ${pod.metadata?.uid ?? '?'}, not ${req.podUid}: it was deleted and recreated`);
    }
    return pod;
  }

  async #bindPod(pod: Pod, req: BindRequest, log: Logger, signal: AbortSignal | undefined): Promise<BindResult> {
    const id = `${req.podNamespace}/${req.podName}`;
    if (pod.spec?.nodeName) {
      if (pod.spec.nodeName === req.node) return { outcome: 'already_bound', error: '' };
      throw new BindFailure('rejected', `pod ${id} is already bound to node ${pod.spec.nodeName}`);
    }
    const node = this.#store.node(req.node);
    if (!node) throw new BindFailure('rejected', `node "${req.node}" not found`);
    const nodeLike = [{ name: req.node, labels: node.metadata?.labels ?? {} }];

    // ---- plan + assume: synchronous, so nothing can interleave in this process ----
    const decision = filterPod(pod, nodeLike, this.#store);
    if (decision.kind === 'error') throw new BindFailure('error', decision.error);
    if (decision.kind === 'unschedulable') throw new BindFailure('rejected', `binding volumes: ${decision.reason}`);
    const plan = decision.nodes[0]!;
    if (!plan.fits) {
      const detail = filterPod(pod, nodeLike, this.#store, { explain: true }).nodes[0]?.explanation ?? [];
      throw new BindFailure('rejected', `binding volumes: node ${req.node} no longer fits: ${plan.reasons.join(', ')}${detail.length ? ` (${detail.join('; ')})` : ''}`);
    }
    const pvs: PersistentVolume[] = [];
    const pvcs: PersistentVolumeClaim[] = [];
    const now = this.#now();
    try {
      for (const b of plan.staticBindings) {
        const { pv } = bindVolumeToClaim(b.pv.pv, b.claim.pvc);
        this.#store.assumePV(pv, now);
        pvs.push(pv);
      }
      for (const p of plan.provisions) {
        const pvc = withSelectedNode(p.claim.pvc, req.node);
        this.#store.assumePVC(pvc, now);
        pvcs.push(pvc);
      }
    } catch (e) {
      this.#restore(pvs, pvcs);
      throw new BindFailure('conflict', `binding volumes: ${e instanceof OutOfSyncError ? e.message : String(e)}`);
    }

    // ---- writes: PVs then PVCs, sequential, with resourceVersion preconditions (R10.2) ----
    const writes: { bindings: WrittenBinding[]; provisions: WrittenProvision[] } = { bindings: [], provisions: [] };
    let i = 0;
    let j = 0;
    try {
      for (; i < pvs.length; i++) {
        const pv = pvs[i]!;
        const b = plan.staticBindings[i]!;
        const written = await this.#writer.replacePV(pv);
        writes.bindings.push({ pv: b.pv.name, claimNamespace: b.claim.namespace, claimName: b.claim.name, writtenRV: written.metadata?.resourceVersion ?? '' });
        log.debug({ pv: b.pv.name, claim: b.claim.key }, 'PV claimRef written');
      }
      for (; j < pvcs.length; j++) {
        const pvc = pvcs[j]!;
        const written = await this.#writer.replacePVC(pvc);
        writes.provisions.push({ claimNamespace: pvc.metadata?.namespace ?? '', claimName: pvc.metadata?.name ?? '', writtenRV: written.metadata?.resourceVersion ?? '' });
        log.debug({ claim: `${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}` }, 'selected-node written');
      }
    } catch (e) {
      this.#restore(pvs.slice(i), pvcs.slice(j));
      const conflict = e instanceof ApiError && e.code === 409;
      throw new BindFailure(conflict ? 'conflict' : 'error', `binding volumes: ${e instanceof Error ? e.message : String(e)}`);
    }

    // ---- wait for the PV controller / provisioner (R10.3) ----
    if (this.#opts.waitForBinding && (writes.bindings.length > 0 || writes.provisions.length > 0)) {
      const w: BindingWrites = { podNamespace: req.podNamespace, podName: req.podName, node: req.node, ...writes };
      const outcome = await this.#waitForBindings(w, signal);
      if (outcome !== undefined) {
        this.#restore(pvs, pvcs);
        throw new BindFailure(outcome.timeout ? 'timeout' : 'rejected', `binding volumes: ${outcome.error}`);
      }
    }

    // ---- bind the pod ----
    try {
      await this.#writer.bindPod(req.podNamespace, req.podName, req.podUid, req.node);
    } catch (e) {
      if (e instanceof ApiError && e.code === 409) {
        const fresh = await this.#writer.getPod(req.podNamespace, req.podName).catch(() => undefined);
        if (fresh?.spec?.nodeName === req.node) return { outcome: 'already_bound', error: '' };
        throw new BindFailure('conflict', `${e.message}${fresh?.spec?.nodeName ? ` (pod is on node ${fresh.spec.nodeName})` : ''}`);
      }
      throw new BindFailure('error', e instanceof Error ? e.message : String(e));
    }
    const summary = describePlan(plan);
    if (decision.kind === 'evaluated') this.#events?.bindSucceeded(pod, req.node, summary);
    return { outcome: decision.kind === 'evaluated' ? 'bound' : 'no_volumes', error: '' };
  }

  #restore(pvs: readonly PersistentVolume[], pvcs: readonly PersistentVolumeClaim[]): void {
    for (const pv of pvs) this.#store.restorePV(pv.metadata?.name ?? '');
    for (const pvc of pvcs) this.#store.restorePVC(pvc.metadata?.namespace ?? '', pvc.metadata?.name ?? '');
  }

  /** Resolves undefined when all claims are bound, else the failure (or timeout). */
  #waitForBindings(w: BindingWrites, signal: AbortSignal | undefined): Promise<{ error: string; timeout: boolean } | undefined> {
    return new Promise((resolve) => {
      let last = '';
      let done = false;
      let pending: NodeJS.Immediate | undefined;
      const finish = (v: { error: string; timeout: boolean } | undefined): void => {
        if (done) return;
        done = true;
        unsubscribe();
        if (pending !== undefined) clearImmediate(pending);
        clearInterval(poll);
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      let deps = bindingDependencies(w, this.#store);
      const check = (): void => {
        const r = checkBindings(w, this.#store);
        deps = bindingDependencies(w, this.#store);
        if (r.status === 'done') finish(undefined);
        else if (r.status === 'failed') finish({ error: r.error, timeout: false });
        else last = r.waitingFor;
      };
      const onAbort = (): void => {
        finish({ error: `request aborted while waiting for ${last || 'binding'} (kube-scheduler httpTimeout shorter than the bind timeout?)`, timeout: true });
      };
      // Only changes to this bind's pod, node, claims and PVs can change the answer (every other
      // pod's events would otherwise re-check every waiting bind); a burst of them (a page of
      // watch events, our own writes) is checked once, after the burst.
      const changed = (kind: Kind, key: string): void => {
        if (!dependsOn(deps, kind, key)) return;
        pending ??= setImmediate(() => {
          pending = undefined;
          check();
        });
      };
      const unsubscribe = this.#store.subscribe(changed);
      const poll = setInterval(check, this.#opts.pollIntervalMs);
      const deadline = setTimeout(() => {
        finish({ error: `timed out after ${Math.round(this.#opts.bindTimeoutMs / 1000)}s waiting for ${last || 'binding'}`, timeout: true });
      }, this.#opts.bindTimeoutMs);
      signal?.addEventListener('abort', onAbort);
      check();
    });
  }
}
