/**
 * Live-mode assembly: kubeconfig → informers feeding a ClusterStore → LiveBinder (the only
 * writer), Events, stale selected-node cleanup, readiness and metrics. Loaded lazily by the CLI
 * so snapshot mode never touches @kubernetes/client-node.
 */
import type { Logger } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { LiveBinder, type LiveBinderOptions } from '../bind/live-binder.js';
import { ClusterStore } from '../cluster/store.js';
import type { Pod } from '../engine/types.js';
import type { NodeLike } from '../engine/view.js';
import type { Readiness } from '../http/readiness.js';
import { ClientKubeWriter } from './api.js';
import { EventRecorder } from './events.js';
import { startInformers } from './informers.js';
import { loadKubeConfig } from './kubeconfig.js';
import { rejectionReporter } from './rejection-events.js';
import { StaleSelectedNodeCleaner } from './stale-selected-node.js';

export interface StartLiveOptions {
  readonly kubeconfig: string | undefined;
  readonly why: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly binder: Partial<LiveBinderOptions>;
  readonly clearStaleSelectedNode: boolean;
  readonly syncTimeoutMs: number;
}

export interface StartedLive {
  readonly store: ClusterStore;
  readonly binder: LiveBinder;
  readonly onFilterRejected: (pod: Pod, nodes: readonly NodeLike[]) => void;
  readonly stop: () => Promise<void>;
}

export function startLive(opts: StartLiveOptions): Promise<StartedLive> {
  const { logger } = opts;
  const kube = loadKubeConfig({ kubeconfig: opts.kubeconfig, env: process.env });
  logger.info({ server: kube.server, context: kube.context, source: kube.source }, `LIVE MODE: serving from cluster ${kube.description} (selected by ${opts.why})`);

  const store = new ClusterStore();
  opts.readiness.set('informers', false, 'informers have not listed every kind yet');
  const informers = startInformers({
    kc: kube.kc,
    store,
    logger,
    registry: opts.registry,
    options: {
      onReadinessChange: (r) => {
        opts.readiness.set('informers', r.ready, r.ready ? undefined : r.reason);
      },
    },
  });
  const writer = new ClientKubeWriter(kube.kc);
  const events = new EventRecorder(writer, logger);
  const binder = new LiveBinder({ store, writer, logger, options: opts.binder, events });
  const stopSweeper = binder.startSweeper();
  let stopCleaner: (() => void) | undefined;
  if (opts.clearStaleSelectedNode) {
    const cleaner = new StaleSelectedNodeCleaner(store, writer, logger, () => informers.status().Node.state === 'synced', events);
    stopCleaner = cleaner.start();
  } else {
    logger.info('stale selected-node cleanup disabled (--no-clear-stale-selected-node)');
  }

  new Gauge({
    name: 'vte_assumed_objects',
    help: 'Volume assumptions held between bind planning and the informer event of our write',
    labelNames: ['kind'],
    registers: [opts.registry],
    collect() {
      const c = store.assumedCounts();
      this.set({ kind: 'PersistentVolume' }, c.pvs);
      this.set({ kind: 'PersistentVolumeClaim' }, c.pvcs);
    },
  });

  informers.waitForSync(opts.syncTimeoutMs).then(
    () => {
      logger.info({ counts: store.counts() }, 'informers synced: ready to serve');
    },
    (e: unknown) => {
      logger.error({ err: e instanceof Error ? e.message : String(e) }, 'informers not synced in time; /readyz stays 503 until they are');
    },
  );

  return Promise.resolve({
    store,
    binder,
    onFilterRejected: rejectionReporter(events, store, logger),
    stop: async () => {
      stopSweeper();
      stopCleaner?.();
      opts.registry.removeSingleMetric('vte_assumed_objects');
      await informers.stop();
    },
  });
}

/** A one-shot, fully synced view of the cluster (explain --live). */
export async function snapshotLive(opts: { kubeconfig: string | undefined; logger: Logger; syncTimeoutMs: number }): Promise<{ store: ClusterStore; stop: () => Promise<void> }> {
  const kube = loadKubeConfig({ kubeconfig: opts.kubeconfig, env: process.env });
  const store = new ClusterStore();
  const informers = startInformers({ kc: kube.kc, store, logger: opts.logger, registry: new Registry() });
  try {
    await informers.waitForSync(opts.syncTimeoutMs);
  } catch (e) {
    await informers.stop();
    throw new Error(`explain --live: could not read the cluster ${kube.description}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return { store, stop: () => informers.stop() };
}
