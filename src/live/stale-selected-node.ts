/**
 * Stale `volume.kubernetes.io/selected-node`: a claim whose annotation names a node that no longer
 * exists pins its pod forever upstream (kubernetes#100485) unless a provisioner clears it. This
 * loop clears it (PUT with a resourceVersion precondition) once the node has been missing from a
 * synced node cache for a grace period, logs it, and records an Event on the claim.
 */
import type { Logger } from 'pino';
import type { ClusterStore } from '../cluster/store.js';
import { withoutSelectedNode } from '../engine/bind-plan.js';
import { AnnSelectedNode, type PersistentVolumeClaim } from '../engine/types.js';
import type { KubeWriter } from './api.js';
import type { EventRecorder } from './events.js';

export interface StaleSelectedNodeOptions {
  /** How long a node must be missing before the annotation is cleared (informer-lag guard). */
  readonly graceMs: number;
  readonly intervalMs: number;
}

export class StaleSelectedNodeCleaner {
  readonly #missingSince = new Map<string, number>();

  constructor(
    private readonly store: ClusterStore,
    private readonly writer: KubeWriter,
    private readonly logger: Logger,
    private readonly nodesSynced: () => boolean,
    private readonly events: EventRecorder | undefined,
    private readonly opts: StaleSelectedNodeOptions = { graceMs: 30_000, intervalMs: 10_000 },
    private readonly now: () => number = Date.now,
  ) {}

  /** Claims currently pinned to a node the cache does not have (for explain and metrics). */
  stale(): PersistentVolumeClaim[] {
    return (this.store.list('PersistentVolumeClaim') as PersistentVolumeClaim[]).filter((c) => {
      const node = c.metadata?.annotations?.[AnnSelectedNode];
      return node !== undefined && !c.spec?.volumeName && this.store.node(node) === undefined;
    });
  }

  /** One pass; returns the number of annotations cleared. */
  async scan(): Promise<number> {
    if (!this.nodesSynced()) return 0;
    const now = this.now();
    const seen = new Set<string>();
    let cleared = 0;
    for (const pvc of this.stale()) {
      const key = `${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`;
      const node = pvc.metadata?.annotations?.[AnnSelectedNode] ?? '';
      seen.add(key);
      const since = this.#missingSince.get(key) ?? now;
      this.#missingSince.set(key, since);
      if (now - since < this.opts.graceMs) continue;
      try {
        await this.writer.replacePVC(withoutSelectedNode(pvc));
        cleared++;
        this.#missingSince.delete(key);
        this.logger.warn({ claim: key, node }, 'cleared stale selected-node annotation: the node no longer exists');
        this.events?.emit({
          namespace: pvc.metadata?.namespace ?? 'default',
          involved: { kind: 'PersistentVolumeClaim', name: pvc.metadata?.name ?? '', namespace: pvc.metadata?.namespace ?? 'default', uid: pvc.metadata?.uid ?? '' },
          type: 'Warning',
          reason: 'StaleSelectedNodeCleared',
          message: `cleared ${AnnSelectedNode}=${node}: node ${node} no longer exists, so the pod can be scheduled elsewhere`,
        });
      } catch (e) {
        // 409: the claim changed meanwhile; the next pass sees the fresh copy.
        this.logger.info({ claim: key, node, err: e instanceof Error ? e.message : String(e) }, 'could not clear stale selected-node yet');
      }
    }
    for (const k of [...this.#missingSince.keys()]) if (!seen.has(k)) this.#missingSince.delete(k);
    return cleared;
  }

  start(): () => void {
    let running = false;
    const t = setInterval(() => {
      if (running) return;
      running = true;
      void this.scan().finally(() => {
        running = false;
      });
    }, this.opts.intervalMs);
    t.unref();
    return () => {
      clearInterval(t);
    };
  }
}
