/**
 * A small in-memory cluster for the HTTP tests, built with ClusterStore.upsert of plain objects.
 *
 *   node-a (z1)  pv-a-200 (200Gi local-wffc)  pv-bound-a (bound to shop/bound-a)  pv-single
 *   node-b (z2)  pv-b-100 (100Gi local-wffc)
 *   node-c (z3)  no PVs
 *
 * StorageClasses: local-wffc / single (no-provisioner, WaitForFirstConsumer), immediate
 * (Immediate), no-mode (volumeBindingMode unset).
 */
import { pino, type Logger } from 'pino';
import request from 'supertest';
import type { Binder } from '../../src/bind/binder.js';
import { SnapshotBinder } from '../../src/bind/snapshot-binder.js';
import { ClusterStore } from '../../src/cluster/store.js';
import type { ScoringPolicy } from '../../src/engine/score.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../src/engine/types.js';
import { createApp } from '../../src/http/app.js';
import type { AppDeps, ReadyState } from '../../src/http/deps.js';
import { createMetrics, type ExtenderMetrics } from '../../src/http/metrics.js';

export const NS = 'shop';
export const HOSTNAME = 'kubernetes.io/hostname';

export function node(name: string, zone: string) {
  return { metadata: { name, labels: { [HOSTNAME]: name, 'topology.kubernetes.io/zone': zone } }, spec: {}, status: {} };
}

export function pv(name: string, size: string, className: string, onNode: string, extra: { claim?: string } = {}): PersistentVolume {
  return {
    metadata: { name, resourceVersion: '1' },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      storageClassName: className,
      persistentVolumeReclaimPolicy: 'Retain',
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME, operator: 'In', values: [onNode] }] }] } },
      ...(extra.claim === undefined ? {} : { claimRef: { kind: 'PersistentVolumeClaim', namespace: NS, name: extra.claim, uid: `uid-pvc-${extra.claim}` } }),
    },
    status: { phase: extra.claim === undefined ? 'Available' : 'Bound' },
  };
}

export function pvc(name: string, className: string, size: string, extra: { boundTo?: string } = {}): PersistentVolumeClaim {
  return {
    metadata: {
      name,
      namespace: NS,
      uid: `uid-pvc-${name}`,
      resourceVersion: '1',
      ...(extra.boundTo === undefined ? {} : { annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } }),
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: className,
      resources: { requests: { storage: size } },
      ...(extra.boundTo === undefined ? {} : { volumeName: extra.boundTo }),
    },
    status: { phase: extra.boundTo === undefined ? 'Pending' : 'Bound' },
  };
}

/** A pod using the given claims (none → a pod with only an emptyDir). */
export function pod(name: string, claims: readonly string[] = []): Pod {
  const volumes = claims.length
    ? claims.map((c) => ({ name: `vol-${c}`, persistentVolumeClaim: { claimName: c } }))
    : [{ name: 'scratch', emptyDir: {} }];
  return {
    metadata: { name, namespace: NS, uid: `uid-${name}`, resourceVersion: '1' },
    spec: { schedulerName: 'default-scheduler', containers: [{ name: 'app', image: 'nginx:1.27' }], volumes },
    status: { phase: 'Pending' },
  };
}

export function buildStore(): ClusterStore {
  const s = new ClusterStore();
  for (const [n, z] of [['node-a', 'z1'], ['node-b', 'z2'], ['node-c', 'z3']] as const) s.upsert('Node', node(n, z));
  const noProv = 'kubernetes.io/no-provisioner';
  const sc = (o: StorageClass): StorageClass => o;
  s.upsert('StorageClass', sc({ metadata: { name: 'local-wffc' }, provisioner: noProv, volumeBindingMode: 'WaitForFirstConsumer' }));
  s.upsert('StorageClass', sc({ metadata: { name: 'single' }, provisioner: noProv, volumeBindingMode: 'WaitForFirstConsumer' }));
  s.upsert('StorageClass', sc({ metadata: { name: 'immediate' }, provisioner: 'csi.example.com', volumeBindingMode: 'Immediate' }));
  s.upsert('StorageClass', sc({ metadata: { name: 'no-mode' }, provisioner: 'csi.example.com' }));

  s.upsert('PersistentVolume', pv('pv-a-200', '200Gi', 'local-wffc', 'node-a'));
  s.upsert('PersistentVolume', pv('pv-b-100', '100Gi', 'local-wffc', 'node-b'));
  s.upsert('PersistentVolume', pv('pv-bound-a', '10Gi', 'local-wffc', 'node-a', { claim: 'bound-a' }));
  s.upsert('PersistentVolume', pv('pv-single', '10Gi', 'single', 'node-a'));

  s.upsert('PersistentVolumeClaim', pvc('data', 'local-wffc', '50Gi'));
  s.upsert('PersistentVolumeClaim', pvc('data2', 'local-wffc', '50Gi'));
  s.upsert('PersistentVolumeClaim', pvc('bound-a', 'local-wffc', '10Gi', { boundTo: 'pv-bound-a' }));
  s.upsert('PersistentVolumeClaim', pvc('imm', 'immediate', '1Gi'));
  s.upsert('PersistentVolumeClaim', pvc('nomode', 'no-mode', '1Gi'));
  s.upsert('PersistentVolumeClaim', pvc('single-0', 'single', '5Gi'));
  s.upsert('PersistentVolumeClaim', pvc('single-1', 'single', '5Gi'));
  return s;
}

/** Pods by role; the bind tests also upsert them into the store. */
export const PODS = {
  plain: pod('plain'),
  web: pod('web', ['data']),
  pinned: pod('pinned', ['bound-a']),
  multi: pod('multi', ['bound-a', 'data2']),
  immediate: pod('imm-pod', ['imm']),
  noMode: pod('nomode-pod', ['nomode']),
  missing: pod('missing-pod', ['does-not-exist']),
  single0: pod('single-0', ['single-0']),
  single1: pod('single-1', ['single-1']),
} satisfies Record<string, Pod>;

export const SCORING_OFF: ScoringPolicy = {
  capacity: { enabled: false, scoreDynamicProvisions: false, shape: [], weight: 0 },
  spreading: { enabled: false, topologyKeys: [], weight: 0 },
};

/** Capacity scoring with the linear shape 0% → 0, 100% → 10 (i.e. 0..100 node score). */
export const SCORING_LINEAR: ScoringPolicy = {
  capacity: {
    enabled: true,
    scoreDynamicProvisions: false,
    shape: [
      { utilization: 0, score: 0 },
      { utilization: 100, score: 10 },
    ],
    weight: 1,
  },
  spreading: { enabled: false, topologyKeys: [], weight: 0 },
};

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Harness {
  readonly app: ReturnType<typeof createApp>;
  readonly store: ClusterStore;
  readonly metrics: ExtenderMetrics;
  readonly logs: LogLine[];
  readonly logger: Logger;
  post(verb: string, body: unknown): request.Test;
}

export interface HarnessOptions {
  store?: ClusterStore;
  binder?: Binder;
  policy?: ScoringPolicy;
  prefix?: string;
  bodyLimit?: string | number;
  ready?: () => ReadyState;
  onFilterRejected?: AppDeps['onFilterRejected'];
}

export function harness(opts: HarnessOptions = {}): Harness {
  const store = opts.store ?? buildStore();
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => logs.push(JSON.parse(s) as LogLine) });
  const metrics = createMetrics({ defaultMetrics: false });
  const app = createApp({
    view: store,
    binder: opts.binder ?? new SnapshotBinder(store),
    policy: () => opts.policy ?? SCORING_OFF,
    logger,
    metrics,
    ready: opts.ready ?? (() => ({ ready: true })),
    ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }),
    ...(opts.bodyLimit === undefined ? {} : { bodyLimit: opts.bodyLimit }),
    ...(opts.onFilterRejected === undefined ? {} : { onFilterRejected: opts.onFilterRejected }),
  });
  const prefix = opts.prefix ?? '/scheduler';
  return {
    app,
    store,
    metrics,
    logs,
    logger,
    post: (verb, body) => request(app).post(`${prefix}/${verb}`).send(body as object),
  };
}

export const NAMES = ['node-a', 'node-b', 'node-c'];

/** ExtenderArgs in nodeCacheCapable: true form (§15.2). */
export function namesArgs(p: Pod, names: readonly string[] = NAMES) {
  return { Pod: p, Nodes: null, NodeNames: names };
}

/** ExtenderArgs in nodeCacheCapable: false form (§15.1), with full Node objects. */
export function nodesArgs(p: Pod, names: readonly string[] = NAMES) {
  const zones: Record<string, string> = { 'node-a': 'z1', 'node-b': 'z2', 'node-c': 'z3' };
  return { Pod: p, Nodes: { metadata: {}, items: names.map((n) => node(n, zones[n] ?? 'z0')) }, NodeNames: null };
}
