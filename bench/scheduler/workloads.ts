/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node models are classes, we pass plain objects (as in src/live and test/e2e; see eslint.config.js) */
/**
 * Deterministic objects for the scheduler benchmark (seeded mulberry32, identical for both
 * scheduler configurations of a run):
 *
 *   nodes    bench-node-NNNNN, 5 zones (topology.kubernetes.io/zone), kubelet-less status with
 *            capacity/allocatable (cpu 32, memory 128Gi, pods 250)
 *   static   StorageClass bench-local (kubernetes.io/no-provisioner, WaitForFirstConsumer, Retain);
 *            `pvsPerNode` local PVs per node (hostname nodeAffinity, 20/50/100Gi); pods with 1–2
 *            claims of 5–40Gi each (PVCs created before the measured pods)
 *   dynamic  StorageClass bench-csi (provisioner CSI_PROVISIONER, WaitForFirstConsumer, Delete), a
 *            CSIDriver with storageCapacity: true, one CSIStorageCapacity per zone (100Ti, ample);
 *            pods with 1 claim of 5–40Gi; PVs are created by the test provisioner
 *            (test/e2e/harness/provisioner.ts) once selected-node is set
 */
import type { V1CSIStorageCapacity, V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';
import { mulberry32 } from '../fixtures.js';

export type Workload = 'static' | 'dynamic';
export const WORKLOADS: readonly Workload[] = ['static', 'dynamic'];
export const BENCH_LABEL = 'bench.vte.test/run';
export const ZONE_KEY = 'topology.kubernetes.io/zone';
export const STATIC_CLASS = 'bench-local';
export const DYNAMIC_CLASS = 'bench-csi';
export const CAPACITY_NS = 'bench-capacity';
const ZONES = ['zone-a', 'zone-b', 'zone-c', 'zone-d', 'zone-e'] as const;
const PV_SIZES_GI = [20, 50, 100] as const;

export function nodeName(i: number): string {
  return `bench-node-${String(i).padStart(5, '0')}`;
}

export function zoneOf(i: number): string {
  return ZONES[i % ZONES.length]!;
}

export function nodes(count: number): V1Node[] {
  const out: V1Node[] = [];
  for (let i = 0; i < count; i++) {
    const name = nodeName(i);
    out.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', [ZONE_KEY]: zoneOf(i), [BENCH_LABEL]: 'node' } },
      spec: {},
      status: {
        capacity: { cpu: '32', memory: '128Gi', pods: '250', 'ephemeral-storage': '500Gi' },
        allocatable: { cpu: '32', memory: '128Gi', pods: '250', 'ephemeral-storage': '500Gi' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'bench fake node', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }],
      },
    });
  }
  return out;
}

export function staticClass(): V1StorageClass {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: STATIC_CLASS }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Retain' };
}

export function dynamicClass(provisioner: string): V1StorageClass {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: DYNAMIC_CLASS }, provisioner, volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Delete' };
}

export function capacities(): V1CSIStorageCapacity[] {
  return ZONES.map((z) => ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'CSIStorageCapacity',
    metadata: { name: `${DYNAMIC_CLASS}-${z}`, namespace: CAPACITY_NS },
    storageClassName: DYNAMIC_CLASS,
    nodeTopology: { matchLabels: { [ZONE_KEY]: z } },
    capacity: '100Ti',
  }));
}

export function staticPVs(nodeCount: number, perNode: number, seed: number): V1PersistentVolume[] {
  const rng = mulberry32(seed ^ 0x5eed);
  const out: V1PersistentVolume[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const node = nodeName(i);
    for (let d = 0; d < perNode; d++) {
      const name = `bench-pv-${node.slice('bench-node-'.length)}-${String(d).padStart(2, '0')}`;
      out.push({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name, labels: { [BENCH_LABEL]: 'pv' } },
        spec: {
          capacity: { storage: `${PV_SIZES_GI[Math.floor(rng() * PV_SIZES_GI.length)]!}Gi` },
          accessModes: ['ReadWriteOnce'],
          persistentVolumeReclaimPolicy: 'Retain',
          storageClassName: STATIC_CLASS,
          volumeMode: 'Filesystem',
          local: { path: `/mnt/disks/disk${d}` },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
        },
      });
    }
  }
  return out;
}

export interface PodSet {
  readonly pvcs: readonly V1PersistentVolumeClaim[];
  readonly pods: readonly V1Pod[];
}

export function podSet(workload: Workload, ns: string, count: number, seed: number): PodSet {
  const rng = mulberry32(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
  const pvcs: V1PersistentVolumeClaim[] = [];
  const pods: V1Pod[] = [];
  const cls = workload === 'static' ? STATIC_CLASS : DYNAMIC_CLASS;
  for (let p = 0; p < count; p++) {
    const name = `pod-${String(p).padStart(5, '0')}`;
    const claims = workload === 'static' ? int(1, 2) : 1;
    const names: string[] = [];
    for (let c = 0; c < claims; c++) {
      const claimName = `${name}-data-${c}`;
      names.push(claimName);
      pvcs.push({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claimName, namespace: ns, labels: { [BENCH_LABEL]: 'pvc' } },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: cls, volumeMode: 'Filesystem', resources: { requests: { storage: `${int(5, 40)}Gi` } } },
      });
    }
    pods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns, labels: { [BENCH_LABEL]: 'pod' } },
      spec: {
        schedulerName: 'default-scheduler',
        containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
        volumes: names.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })),
        terminationGracePeriodSeconds: 0,
      },
    });
  }
  return { pvcs, pods };
}
