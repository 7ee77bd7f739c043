/**
 * Deterministic synthetic cluster for the benchmarks (seeded PRNG, never Math.random).
 *
 *   N nodes  labelled kubernetes.io/hostname, topology.kubernetes.io/zone (3–5 zones), rack (N/20 racks)
 *   10 PVs   per node: class local-wffc, hostname nodeAffinity, 10/20/50/100/200Gi, Available;
 *            ~20% already claimed (phase Bound, claimRef to a Bound PVC in namespace "apps")
 *   classes  local-wffc (WaitForFirstConsumer, kubernetes.io/no-provisioner) and, when `dynamic`,
 *            zonal-csi (WaitForFirstConsumer, allowedTopologies = all zones but the last) with a
 *            CSIDriver (storageCapacity: true) and one CSIStorageCapacity per zone
 *   M pods   pending, 1–3 WaitForFirstConsumer claims each (5–150Gi), with their Pending PVCs
 *   --pvcs   with `pvcs` set, the store holds exactly that many PVCs: a `claimedFraction` (default
 *            0.8) of the local PVs is claimed by Bound PVCs, and the rest are "backlog" Pending
 *            WaitForFirstConsumer PVCs in namespace "backlog" that no pod uses (e.g. claims of
 *            scaled-down StatefulSets). Without `pvcs` the generated objects are unchanged.
 *
 * Use `generateCluster()` for the objects, `loadStore()` to fill a ClusterStore, and
 * `writeSnapshot()` for a JSON `kind: List` snapshot file in a fresh temp dir (never the repo).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadIntoStore } from '../src/cluster/snapshot.js';
import { ClusterStore } from '../src/cluster/store.js';
import type {
  CSIDriver,
  CSIStorageCapacity,
  KubeObject,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  StorageClass,
} from '../src/engine/types.js';
import type { NodeLike } from '../src/engine/view.js';

export const LOCAL_CLASS = 'local-wffc';
export const ZONAL_CLASS = 'zonal-csi';
export const ZONAL_DRIVER = 'zonal.csi.bench.example.com';
export const PENDING_NS = 'bench';
export const BOUND_NS = 'apps';
export const BACKLOG_NS = 'backlog';
/** Claimed fraction of the local PVs when `pvcs` is given and `claimedFraction` is not. */
export const PVCS_CLAIMED_FRACTION = 0.8;
const PV_SIZES_GI = [10, 20, 50, 100, 200] as const;

export interface FixtureOptions {
  readonly nodes: number;
  /** Pending pods to generate (M). */
  readonly pods: number;
  readonly seed?: number;
  readonly pvsPerNode?: number;
  /** Fraction of local PVs already claimed by other (Bound) PVCs. */
  readonly claimedFraction?: number;
  /** Add the zonal dynamic class, CSIDriver and CSIStorageCapacities. */
  readonly dynamic?: boolean;
  /** Probability that a pending claim uses the zonal class (only with `dynamic`). */
  readonly zonalClaimFraction?: number;
  /**
   * Total PVCs in the store (bound + pending + backlog); 0 = no backlog, only what the other
   * options generate. Throws when the bound and pending claims alone exceed it.
   */
  readonly pvcs?: number;
}

export type ResolvedOptions = Required<FixtureOptions>;

export interface Fixture {
  readonly options: ResolvedOptions;
  readonly zones: readonly string[];
  readonly racks: number;
  /** Every object, in the order a snapshot lists them. */
  readonly objects: readonly KubeObject[];
  readonly nodeNames: readonly string[];
  readonly pendingPods: readonly Pod[];
  readonly counts: Readonly<Record<string, number>>;
}

/** mulberry32: small, fast, good enough for fixtures; identical sequence for identical seeds. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function resolveOptions(o: FixtureOptions): ResolvedOptions {
  return {
    nodes: o.nodes,
    pods: o.pods,
    seed: o.seed ?? 20240601,
    pvsPerNode: o.pvsPerNode ?? 10,
    claimedFraction: o.claimedFraction ?? (o.pvcs ? PVCS_CLAIMED_FRACTION : 0.2),
    dynamic: o.dynamic ?? true,
    zonalClaimFraction: o.zonalClaimFraction ?? 0.15,
    pvcs: o.pvcs ?? 0,
  };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function generateCluster(opts: FixtureOptions): Fixture {
  const o = resolveOptions(opts);
  if (!Number.isInteger(o.nodes) || o.nodes < 1) throw new Error(`nodes must be a positive integer, got ${o.nodes}`);
  const rng = mulberry32(o.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
  let uidCounter = 0;
  const uid = (): string => `00000000-0000-4000-8000-${pad(++uidCounter, 12)}`;
  const meta = (name: string, extra: Record<string, unknown> = {}): NonNullable<KubeObject['metadata']> => ({
    name,
    uid: uid(),
    resourceVersion: '1',
    creationTimestamp: '2024-06-01T00:00:00Z',
    ...extra,
  });

  const zoneCount = int(3, 5);
  const zones = Array.from({ length: zoneCount }, (_, i) => `zone-${String.fromCharCode(97 + i)}`);
  const racks = Math.max(1, Math.floor(o.nodes / 20));
  const width = Math.max(5, String(o.nodes).length);

  const nodes: Node[] = [];
  const nodeNames: string[] = [];
  for (let i = 0; i < o.nodes; i++) {
    const name = `node-${pad(i, width)}`;
    const rack = Math.min(racks - 1, Math.floor(i / 20));
    const zone = zones[rack % zoneCount]!;
    nodeNames.push(name);
    nodes.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: meta(name, {
        labels: {
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'topology.kubernetes.io/region': 'region-1',
          'topology.kubernetes.io/zone': zone,
          rack: `rack-${pad(rack, 4)}`,
        },
      }),
      spec: {},
      status: { capacity: { cpu: '32', memory: '128Gi', pods: '110' }, allocatable: { cpu: '32', memory: '128Gi', pods: '110' } },
    });
  }

  const classes: StorageClass[] = [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: meta(LOCAL_CLASS),
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Retain',
    },
  ];
  const drivers: CSIDriver[] = [];
  const capacities: CSIStorageCapacity[] = [];
  if (o.dynamic) {
    classes.push({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: meta(ZONAL_CLASS),
      provisioner: ZONAL_DRIVER,
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: zones.slice(0, -1) }] }],
    });
    drivers.push({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: meta(ZONAL_DRIVER), spec: { storageCapacity: true, attachRequired: true } });
    zones.forEach((zone, i) => {
      capacities.push({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'CSIStorageCapacity',
        metadata: meta(`${ZONAL_CLASS}-${zone}`, { namespace: 'kube-system' }),
        storageClassName: ZONAL_CLASS,
        nodeTopology: { matchLabels: { 'topology.kubernetes.io/zone': zone } },
        // The first zone is nearly full, so some zonal claims fail with not_enough_space there.
        capacity: i === 0 ? '100Gi' : `${pick([2, 4, 8, 16])}Ti`,
        maximumVolumeSize: i === 0 ? '100Gi' : '1Ti',
      });
    });
  }

  const pvs: PersistentVolume[] = [];
  const boundPVCs: PersistentVolumeClaim[] = [];
  for (const nodeName of nodeNames) {
    for (let d = 0; d < o.pvsPerNode; d++) {
      const name = `pv-${nodeName}-${pad(d, 2)}`;
      const sizeGi = pick(PV_SIZES_GI);
      const claimed = rng() < o.claimedFraction;
      const pv: PersistentVolume = {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: meta(name, { labels: { 'bench.example.com/disk': `d${d}` } }),
        spec: {
          capacity: { storage: `${sizeGi}Gi` },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: LOCAL_CLASS,
          volumeMode: 'Filesystem',
          local: { path: `/mnt/disks/disk${d}` },
          nodeAffinity: {
            required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] },
          },
        },
        status: { phase: 'Available' },
      };
      if (claimed) {
        const claimName = `data-${name}`;
        const pvcMeta = meta(claimName, {
          namespace: BOUND_NS,
          annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' },
        });
        boundPVCs.push({
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: pvcMeta,
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: `${Math.max(1, Math.floor(sizeGi * (0.5 + rng() / 2)))}Gi` } },
            storageClassName: LOCAL_CLASS,
            volumeMode: 'Filesystem',
            volumeName: name,
          },
          status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: `${sizeGi}Gi` } },
        });
        pv.spec!.claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: BOUND_NS, name: claimName, uid: pvcMeta.uid! };
        pv.status = { phase: 'Bound' };
      }
      pvs.push(pv);
    }
  }

  const pendingPVCs: PersistentVolumeClaim[] = [];
  const pendingPods: Pod[] = [];
  const podWidth = Math.max(5, String(o.pods).length);
  for (let p = 0; p < o.pods; p++) {
    const podName = `pod-${pad(p, podWidth)}`;
    const claimCount = int(1, 3);
    const volumes: NonNullable<NonNullable<Pod['spec']>['volumes']> = [];
    for (let c = 0; c < claimCount; c++) {
      const claimName = `${podName}-data-${c}`;
      const className = o.dynamic && rng() < o.zonalClaimFraction ? ZONAL_CLASS : LOCAL_CLASS;
      pendingPVCs.push({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta(claimName, { namespace: PENDING_NS }),
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: `${int(5, 150)}Gi` } },
          storageClassName: className,
          volumeMode: 'Filesystem',
        },
        status: { phase: 'Pending' },
      });
      volumes.push({ name: `data-${c}`, persistentVolumeClaim: { claimName } });
    }
    pendingPods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: meta(podName, { namespace: PENDING_NS, labels: { app: 'bench' } }),
      spec: {
        schedulerName: 'default-scheduler',
        containers: [{ name: 'app', image: 'registry.example.com/app:1.0', volumeMounts: volumes.map((v) => ({ name: v.name, mountPath: `/${v.name}` })) }],
        volumes,
      },
      status: { phase: 'Pending' },
    });
  }

  // Backlog: unbound WFFC claims no pod uses, up to `pvcs` in total (no RNG use: the sequence
  // above is the same with and without them).
  const backlogPVCs: PersistentVolumeClaim[] = [];
  if (o.pvcs > 0) {
    const missing = o.pvcs - boundPVCs.length - pendingPVCs.length;
    if (missing < 0) throw new Error(`pvcs ${o.pvcs}: the fixture already has ${boundPVCs.length} bound + ${pendingPVCs.length} pending PVCs (lower claimedFraction)`);
    const w = Math.max(6, String(missing).length);
    for (let i = 0; i < missing; i++) {
      backlogPVCs.push({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta(`backlog-${pad(i, w)}`, { namespace: BACKLOG_NS, labels: { app: 'backlog' } }),
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: `${PV_SIZES_GI[i % PV_SIZES_GI.length]!}Gi` } },
          storageClassName: LOCAL_CLASS,
          volumeMode: 'Filesystem',
        },
        status: { phase: 'Pending' },
      });
    }
  }

  const objects: KubeObject[] = [...nodes, ...classes, ...drivers, ...capacities, ...pvs, ...boundPVCs, ...backlogPVCs, ...pendingPVCs, ...pendingPods];
  return {
    options: o,
    zones,
    racks,
    objects,
    nodeNames,
    pendingPods,
    counts: {
      Node: nodes.length,
      StorageClass: classes.length,
      CSIDriver: drivers.length,
      CSIStorageCapacity: capacities.length,
      PersistentVolume: pvs.length,
      PersistentVolumeClaim: boundPVCs.length + backlogPVCs.length + pendingPVCs.length,
      BoundPVC: boundPVCs.length,
      BacklogPVC: backlogPVCs.length,
      PendingPVC: pendingPVCs.length,
      Pod: pendingPods.length,
    },
  };
}

/** Number of persistentVolumeClaim volumes of a pod. */
export function claimCount(pod: Pod): number {
  return (pod.spec?.volumes ?? []).filter((v) => v.persistentVolumeClaim).length;
}

/** Fills a fresh ClusterStore the way the snapshot source does (upsert per object). */
export function loadStore(objects: readonly KubeObject[], store = new ClusterStore()): ClusterStore {
  loadIntoStore(objects, store, 'bench-fixture');
  return store;
}

/** Every node of the view as the engine's NodeLike, in name order: the store's own objects, which is what NodeNames resolves to (http/candidates.ts). */
export function viewNodeLikes(store: ClusterStore): NodeLike[] {
  return store.nodeNames().map((name) => store.nodeLike(name)!);
}

/** The snapshot document: a JSON `kind: List`, as `kubectl get … -o json` prints. */
export function snapshotText(fx: Fixture): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: fx.objects });
}

/** Writes the snapshot into a new temp dir (never the repo). Caller removes `dir` when done. */
export function writeSnapshot(fx: Fixture, dir = mkdtempSync(join(tmpdir(), 'vte-bench-'))): { dir: string; path: string; bytes: number } {
  const text = snapshotText(fx);
  const path = join(dir, `cluster-${fx.options.nodes}n.json`);
  writeFileSync(path, text);
  return { dir, path, bytes: Buffer.byteLength(text) };
}
