/** Shared helpers for the live-source tests: bounded polling, log capture, objects, a running fixture. */
import { KubeConfig } from '@kubernetes/client-node';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import { ClusterStore, type Kind, KINDS } from '../../src/cluster/store.js';
import { type InformerOptions, type LiveSource, RESOURCE_PATHS, startInformers } from '../../src/live/informers.js';
import { FakeApiServer, type Obj } from './fake-apiserver.js';

/** Polls `fn` until it returns a truthy value; fails with `what` after timeoutMs. */
export async function waitFor<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 5000, intervalMs = 5): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface LogLine {
  level: number;
  msg: string;
  kind?: string;
  [k: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(s: string) {
        lines.push(JSON.parse(s) as LogLine);
      },
    },
  );
  return { logger, lines };
}

export function kcFor(server: FakeApiServer): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'tester', token: 'not-a-secret' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
    currentContext: 'fake',
  });
  return kc;
}

const MANAGED = [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }];

export function meta(name: string, namespace?: string, extra: Record<string, unknown> = {}): Obj['metadata'] {
  return { name, ...(namespace !== undefined ? { namespace } : {}), uid: `uid-${namespace ?? ''}-${name}`, managedFields: MANAGED, ...extra };
}

export const objects = {
  node: (name: string, labels: Record<string, string> = {}): Obj => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(name, undefined, { labels: { 'kubernetes.io/hostname': name, ...labels }, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } }),
    spec: { podCIDR: '10.0.0.0/24', unschedulable: false, taints: [] },
    status: { images: [{ names: ['registry.example/huge:1'], sizeBytes: 123456789 }], capacity: { cpu: '4' }, conditions: [] },
  }),
  pod: (namespace: string, name: string, claim?: string): Obj => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(name, namespace, { labels: { app: name }, annotations: { note: 'kept' } }),
    spec: {
      schedulerName: 'default-scheduler',
      containers: [{ name: 'c', image: 'busybox', env: [{ name: 'A', value: 'x'.repeat(100) }] }],
      volumes: claim ? [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] : [],
    },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] },
  }),
  pv: (name: string, className = 'local'): Obj => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: meta(name),
    spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: className, persistentVolumeReclaimPolicy: 'Delete' },
    status: { phase: 'Available' },
  }),
  pvc: (namespace: string, name: string, className = 'local'): Obj => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(name, namespace),
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: className },
    status: { phase: 'Pending' },
  }),
  sc: (name: string): Obj => ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: meta(name),
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'WaitForFirstConsumer',
  }),
  csiDriver: (name: string): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: meta(name), spec: { storageCapacity: true } }),
  csiCapacity: (namespace: string, name: string): Obj => ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'CSIStorageCapacity',
    metadata: meta(name, namespace),
    storageClassName: 'local',
    nodeTopology: { matchLabels: { 'kubernetes.io/hostname': 'n1' } },
    capacity: '100Gi',
  }),
  csiNode: (name: string): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: meta(name), spec: { drivers: [] } }),
};

/** One seed object per kind (two Nodes). */
export function seed(fake: FakeApiServer): void {
  fake.setObjects(RESOURCE_PATHS.Node, [objects.node('n1'), objects.node('n2')]);
  fake.setObjects(RESOURCE_PATHS.Pod, [objects.pod('default', 'p1', 'c1')]);
  fake.setObjects(RESOURCE_PATHS.PersistentVolume, [objects.pv('pv1')]);
  fake.setObjects(RESOURCE_PATHS.PersistentVolumeClaim, [objects.pvc('default', 'c1')]);
  fake.setObjects(RESOURCE_PATHS.StorageClass, [objects.sc('local')]);
  fake.setObjects(RESOURCE_PATHS.CSIDriver, [objects.csiDriver('csi.example.com')]);
  fake.setObjects(RESOURCE_PATHS.CSIStorageCapacity, [objects.csiCapacity('kube-system', 'cap1')]);
  fake.setObjects(RESOURCE_PATHS.CSINode, [objects.csiNode('n1')]);
}

/** Fast, deterministic settings: tiny backoffs, no jitter randomness, small pages. */
export const FAST: InformerOptions = {
  backoff: { initialMs: 10, maxMs: 80, jitter: 0.2 },
  watchReconnectDelayScale: 0.01,
  listPageSize: 2,
  stopTimeoutMs: 2000,
  random: () => 0.5,
};

export interface Live {
  readonly fake: FakeApiServer;
  readonly store: ClusterStore;
  readonly registry: Registry;
  readonly source: LiveSource;
  readonly logs: LogLine[];
  readonly kc: KubeConfig;
  close(): Promise<void>;
}

export async function startLive(opts: { fake?: FakeApiServer; seed?: boolean; options?: InformerOptions } = {}): Promise<Live> {
  const fake = opts.fake ?? (await FakeApiServer.start());
  if (opts.seed !== false) seed(fake);
  const store = new ClusterStore();
  const registry = new Registry();
  const { logger, lines } = captureLogger();
  const kc = kcFor(fake);
  const source = startInformers({ kc, store, logger, registry, options: { ...FAST, ...opts.options } });
  return {
    fake,
    store,
    registry,
    source,
    logs: lines,
    kc,
    async close() {
      await source.stop();
      await fake.close();
    },
  };
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = registry.getSingleMetric(name);
  if (!m) return undefined;
  const { values } = await m.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return hit?.value;
}

export function allWatchesOpen(live: Live): boolean {
  return KINDS.every((k: Kind) => live.fake.openWatches(RESOURCE_PATHS[k]) === 1);
}
