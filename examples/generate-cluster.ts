/**
 * Generates examples/cluster.yaml, the bundled example cluster (the default snapshot).
 * Run: npm run examples:generate. Edit this file, not the YAML.
 *
 * 3 zones × 2 racks × 2 nodes; every node has two local PVs (10Gi, 50Gi, hostname affinity);
 * rack r2 has a shared 100Gi PV (rack affinity); a zonal CSI class with allowedTopologies and
 * CSIStorageCapacity; an Immediate class; pods that show each kind of decision.
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

type Obj = Record<string, unknown>;
const objs: Obj[] = [];
let uid = 0;
const newUid = (): string => `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`;
const meta = (name: string, extra: Obj = {}): Obj => ({ name, uid: newUid(), resourceVersion: '1', ...extra });

const zones = ['zone-a', 'zone-b', 'zone-c'];
const nodes: { name: string; zone: string; rack: string }[] = [];
zones.forEach((zone, z) => {
  for (let r = 0; r < 2; r++) {
    const rack = `r${z * 2 + r + 1}`;
    for (let n = 1; n <= 2; n++) nodes.push({ name: `node-${zone.slice(-1)}-${rack}-${n}`, zone, rack });
  }
});

for (const n of nodes) {
  objs.push({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: meta(n.name, {
      labels: {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'topology.kubernetes.io/region': 'region-1',
        'topology.kubernetes.io/zone': n.zone,
        rack: n.rack,
      },
    }),
    spec: {},
    status: { capacity: { cpu: '8', memory: '32Gi', pods: '110' }, allocatable: { cpu: '8', memory: '32Gi', pods: '110' } },
  });
}

objs.push(
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta('local-wffc'), provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Retain' },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta('rack-shared'), provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Retain' },
  {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: meta('zonal-ssd'),
    provisioner: 'zonal.csi.example.com',
    volumeBindingMode: 'WaitForFirstConsumer',
    reclaimPolicy: 'Delete',
    allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['zone-a', 'zone-b'] }] }],
  },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: meta('standard'), provisioner: 'nfs.example.com', volumeBindingMode: 'Immediate', reclaimPolicy: 'Delete' },
  { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: meta('zonal.csi.example.com'), spec: { storageCapacity: true, attachRequired: false } },
);
const capacity = (zone: string, cap: string): Obj => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'CSIStorageCapacity',
  metadata: meta(`zonal-ssd-${zone}`, { namespace: 'kube-system' }),
  storageClassName: 'zonal-ssd',
  nodeTopology: { matchLabels: { 'topology.kubernetes.io/zone': zone } },
  capacity: cap,
});
objs.push(capacity('zone-a', '500Gi'), capacity('zone-b', '20Gi'));

const hostAffinity = (node: string): Obj => ({
  required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] },
});
const pv = (name: string, size: string, cls: string, affinity: Obj, extra: { claimRef?: Obj; phase?: string } = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: meta(name, { labels: { 'example.com/disk': size === '10Gi' ? 'small' : 'large' } }),
  spec: {
    capacity: { storage: size },
    accessModes: ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: 'Retain',
    storageClassName: cls,
    volumeMode: 'Filesystem',
    local: { path: `/mnt/disks/${name}` },
    nodeAffinity: affinity,
    ...(extra.claimRef ? { claimRef: extra.claimRef } : {}),
  },
  status: { phase: extra.phase ?? 'Available' },
});

const pvcs: Obj[] = [];
const pvc = (ns: string, name: string, cls: string, size: string, extra: { volumeName?: string; annotations?: Record<string, string>; phase?: string } = {}): Obj => {
  const o: Obj = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta(name, { namespace: ns, ...(extra.annotations ? { annotations: extra.annotations } : {}) }),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      storageClassName: cls,
      volumeMode: 'Filesystem',
      ...(extra.volumeName ? { volumeName: extra.volumeName } : {}),
    },
    status: { phase: extra.phase ?? 'Pending' },
  };
  pvcs.push(o);
  return o;
};
const ref = (o: Obj): Obj => {
  const m = o.metadata as Obj;
  return { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: m.namespace, name: m.name, uid: m.uid };
};

// A bound claim: cache-data on node-b-r3-1's 50Gi disk.
const cacheData = pvc('shop', 'cache-data', 'local-wffc', '30Gi', {
  volumeName: 'local-node-b-r3-1-50g',
  phase: 'Bound',
  annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' },
});
// A web replica already running in zone-a (for the spread policy).
const webRunningData = pvc('shop', 'data-web-9', 'local-wffc', '20Gi', {
  volumeName: 'local-node-a-r1-1-50g',
  phase: 'Bound',
  annotations: { 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' },
});

for (const n of nodes) {
  objs.push(pv(`local-${n.name}-10g`, '10Gi', 'local-wffc', hostAffinity(n.name)));
  const big = `local-${n.name}-50g`;
  if (big === 'local-node-b-r3-1-50g') objs.push(pv(big, '50Gi', 'local-wffc', hostAffinity(n.name), { claimRef: ref(cacheData), phase: 'Bound' }));
  else if (big === 'local-node-a-r1-1-50g') objs.push(pv(big, '50Gi', 'local-wffc', hostAffinity(n.name), { claimRef: ref(webRunningData), phase: 'Bound' }));
  else objs.push(pv(big, '50Gi', 'local-wffc', hostAffinity(n.name)));
}
objs.push(
  pv('rack-r2-shared', '100Gi', 'rack-shared', {
    required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'rack', operator: 'In', values: ['r2'] }] }] },
  }),
);

const statefulSetUid = newUid();
const pod = (ns: string, name: string, claims: (string | { ephemeral: Obj })[], extra: { owner?: boolean; nodeName?: string } = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta(name, {
    namespace: ns,
    ...(extra.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: statefulSetUid, controller: true }] } : {}),
  }),
  spec: {
    schedulerName: 'default-scheduler',
    ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
    containers: [{ name: 'app', image: 'registry.example.com/app:1.0', resources: {} }],
    volumes: claims.map((c, i) => (typeof c === 'string' ? { name: `vol-${i}`, persistentVolumeClaim: { claimName: c } } : { name: `vol-${i}`, ephemeral: c.ephemeral })),
  },
  status: { phase: extra.nodeName ? 'Running' : 'Pending' },
});

const pods: Obj[] = [];
// StatefulSet "web": replicas 0–2 pending with 20Gi local claims; replica 9 already runs in zone-a.
pods.push(pod('shop', 'web-9', ['data-web-9'], { owner: true, nodeName: 'node-a-r1-1' }));
for (let i = 0; i < 3; i++) {
  pvc('shop', `data-web-${i}`, 'local-wffc', '20Gi');
  pods.push(pod('shop', `web-${i}`, [`data-web-${i}`], { owner: true }));
}
// Two local claims that must land on one node: 40Gi on the 50Gi disk, 5Gi on the 10Gi disk.
pvc('shop', 'db-data', 'local-wffc', '40Gi');
pvc('shop', 'db-wal', 'local-wffc', '5Gi');
pods.push(pod('shop', 'db-0', ['db-data', 'db-wal']));
// Bound claim: only node-b-r3-1 works.
pods.push(pod('shop', 'cache-0', ['cache-data']));
// Rack-level PV: only rack r2 nodes.
pvc('shop', 'report-data', 'rack-shared', '80Gi');
pods.push(pod('shop', 'report-0', ['report-data']));
// Dynamic provisioning: zone-a has room, zone-b's capacity is too small, zone-c is outside allowedTopologies.
pvc('analytics', 'scratch-etl-0', 'zonal-ssd', '100Gi');
pods.push(pod('analytics', 'etl-0', ['scratch-etl-0']));
// No node has a 500Gi disk and local-wffc cannot provision.
pvc('shop', 'archive-data', 'local-wffc', '500Gi');
pods.push(pod('shop', 'archive-0', ['archive-data']));
// Immediate claim the PV controller has not bound.
pvc('shop', 'legacy-data', 'standard', '5Gi');
pods.push(pod('shop', 'legacy-0', ['legacy-data']));
// Stale selected-node: the node it names was deleted (e.g. by the cluster autoscaler).
pvc('analytics', 'scratch-etl-1', 'zonal-ssd', '10Gi', { annotations: { 'volume.kubernetes.io/selected-node': 'node-d-r7-1' } });
pods.push(pod('analytics', 'etl-1', ['scratch-etl-1']));
// Missing claim.
pods.push(pod('shop', 'orphan-0', ['does-not-exist']));
// No volumes at all.
pods.push(pod('shop', 'nginx', []));

objs.push(...pvcs, ...pods);

const header = [
  '# Bundled example cluster: the default snapshot when no kubeconfig or in-cluster config is present.',
  '# Generated by examples/generate-cluster.ts (npm run examples:generate) — edit that, not this file.',
  '# Shaped like `kubectl get nodes,pv,pvc,storageclasses,csidrivers,csistoragecapacities,csinodes,pods -A -o yaml`.',
  '',
].join('\n');
writeFileSync(new URL('./cluster.yaml', import.meta.url), header + stringify({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: objs }, { lineWidth: 0 }));
console.log(`wrote examples/cluster.yaml: ${objs.length} objects`);
