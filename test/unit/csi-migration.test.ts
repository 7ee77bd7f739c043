import { describe, expect, it } from 'vitest';
import { ClusterStore } from '../../src/cluster/store.js';
import { checkBindings } from '../../src/engine/check-bindings.js';
import { migrationOf, parseMigratedPlugins, translatedAffinity } from '../../src/engine/csi-migration.js';
import { filterPod } from '../../src/engine/filter.js';
import { ErrReasonNodeConflict } from '../../src/engine/reasons.js';
import type { CSINode, Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../src/engine/types.js';

const BETA_ZONE = 'failure-domain.beta.kubernetes.io/zone';
const BETA_REGION = 'failure-domain.beta.kubernetes.io/region';

// Mirrors upstream binder_test.go TestFindPodVolumesWithCSIMigration fixtures.
const zone1Labels = { [BETA_ZONE]: 'us-east-1', [BETA_REGION]: 'us-east-1a' };
function migrationPV(extraSpec: Record<string, unknown> = { gcePersistentDisk: { pdName: 'test-disk', fsType: 'ext4' } }): PersistentVolume {
  return {
    metadata: { name: 'pv-migration-bound', labels: zone1Labels, resourceVersion: '1' },
    spec: { capacity: { storage: '1G' }, storageClassName: 'waitClass', claimRef: { namespace: 'testns', name: 'pvc-migration-bound', uid: 'uid-m' }, ...extraSpec },
    status: { phase: 'Bound' },
  };
}
const boundPVC: PersistentVolumeClaim = {
  metadata: { name: 'pvc-migration-bound', namespace: 'testns', uid: 'uid-m', annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } },
  spec: { volumeName: 'pv-migration-bound', storageClassName: 'waitClass', resources: { requests: { storage: '1G' } } },
};
const node = (zone: string): Node => ({ metadata: { name: 'node1', labels: { 'topology.gke.io/zone': zone } } });
const csiNode = (plugins: string): CSINode => ({ metadata: { name: 'node1', annotations: { 'storage.alpha.kubernetes.io/migrated-plugins': plugins } } });
const pod: Pod = { metadata: { name: 'test-pod', namespace: 'testns' }, spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'pvc-migration-bound' } }] } };

function world(n: Node, cn: CSINode | undefined, pv = migrationPV()): ClusterStore {
  const s = new ClusterStore();
  const sc: StorageClass = { metadata: { name: 'waitClass' }, provisioner: 'kubernetes.io/gce-pd', volumeBindingMode: 'WaitForFirstConsumer' };
  s.upsert('StorageClass', sc);
  s.upsert('Node', n);
  if (cn) s.upsert('CSINode', cn);
  s.upsert('PersistentVolume', pv);
  s.upsert('PersistentVolumeClaim', boundPVC);
  s.upsert('Pod', pod);
  return s;
}

describe('R3.8 CSI migration (upstream TestFindPodVolumesWithCSIMigration)', () => {
  it.each([
    { name: 'pvc-bound', n: node('us-east-1'), cn: csiNode('kubernetes.io/gce-pd'), reasons: [] },
    { name: 'pvc-bound,csinode-not-migrated', n: node('us-east-1'), cn: csiNode(''), reasons: [] },
    { name: 'pvc-bound,missing-csinode', n: node('us-east-1'), cn: undefined, reasons: [] },
    { name: 'pvc-bound,node-different-zone', n: node('us-east-2'), cn: csiNode('kubernetes.io/gce-pd'), reasons: [ErrReasonNodeConflict] },
  ])('$name', ({ n, cn, reasons }) => {
    const s = world(n, cn);
    const d = filterPod(pod, [{ name: 'node1', labels: n.metadata?.labels ?? {} }], s, { explain: true });
    expect(d.kind).toBe('evaluated');
    expect(d.nodes[0]!.reasons).toEqual(reasons);
    if (reasons.length > 0) expect(d.nodes[0]!.explanation.join(' ')).toContain('topology.gke.io/zone In [us-east-1]');
  });

  it('a non-migrated node sees the in-tree affinity (none here), so even another zone fits', () => {
    const s = world(node('us-east-2'), csiNode(''));
    expect(filterPod(pod, [{ name: 'node1', labels: { 'topology.gke.io/zone': 'us-east-2' } }], s).nodes[0]!.fits).toBe(true);
  });

  it('checkBindings (R10.3) uses the translated affinity too (upstream TestCheckBindingsWithCSIMigration)', () => {
    const s = world(node('us-east-2'), csiNode('kubernetes.io/gce-pd'));
    const res = checkBindings(
      { podNamespace: 'testns', podName: 'test-pod', node: 'node1', bindings: [{ pv: 'pv-migration-bound', claimNamespace: 'testns', claimName: 'pvc-migration-bound', writtenRV: '1' }], provisions: [] },
      s,
    );
    expect(res).toEqual({ status: 'failed', error: 'pv "pv-migration-bound" node affinity doesn\'t match node "node1": no matching NodeSelectorTerms' });
  });
});

describe('translatedAffinity (csi-translation-lib topology rules)', () => {
  it.each([
    {
      name: 'zone from PV labels when affinity has none',
      pv: { metadata: { labels: zone1Labels }, spec: {} },
      key: 'topology.gke.io/zone',
      want: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.gke.io/zone', operator: 'In', values: ['us-east-1'] }] }] },
    },
    {
      name: 'regional disk: zones joined by "__" in the label',
      pv: { metadata: { labels: { 'topology.kubernetes.io/zone': 'a__b' } }, spec: {} },
      key: 'topology.gke.io/zone',
      want: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.gke.io/zone', operator: 'In', values: ['a', 'b'] }] }] },
    },
    {
      name: 'zone key in affinity is replaced, beta region becomes GA, other keys untouched',
      pv: {
        spec: {
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                { matchExpressions: [
                  { key: BETA_ZONE, operator: 'In', values: ['z1'] },
                  { key: BETA_REGION, operator: 'In', values: ['r1'] },
                  { key: 'rack', operator: 'In', values: ['x'] },
                ] },
              ],
            },
          },
        },
      },
      key: 'topology.ebs.csi.aws.com/zone',
      want: {
        nodeSelectorTerms: [
          { matchExpressions: [
            { key: 'topology.ebs.csi.aws.com/zone', operator: 'In', values: ['z1'] },
            { key: 'topology.kubernetes.io/region', operator: 'In', values: ['r1'] },
            { key: 'rack', operator: 'In', values: ['x'] },
          ] },
        ],
      },
    },
    {
      name: 'zone label is added to every existing term',
      pv: {
        metadata: { labels: { 'topology.kubernetes.io/zone': 'z' } },
        spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { matchExpressions: [{ key: 'b', operator: 'Exists' }] }] } } },
      },
      key: 'k',
      want: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'k', operator: 'In', values: ['z'] }] },
          { matchExpressions: [{ key: 'b', operator: 'Exists' }, { key: 'k', operator: 'In', values: ['z'] }] },
        ],
      },
    },
    { name: 'no zone anywhere: affinity unchanged (none)', pv: { spec: {} }, key: 'k', want: null },
  ])('$name', ({ pv, key, want }) => {
    const input = structuredClone(pv) as PersistentVolume;
    expect(translatedAffinity(input, key)).toEqual(want);
    expect(input).toEqual(pv);
  });

  it.each([
    ['gcePersistentDisk', 'kubernetes.io/gce-pd'],
    ['awsElasticBlockStore', 'kubernetes.io/aws-ebs'],
    ['azureDisk', 'kubernetes.io/azure-disk'],
    ['cinder', 'kubernetes.io/cinder'],
  ])('%s PVs are migratable as %s; local and CSI PVs are not', (source, plugin) => {
    expect(migrationOf({ spec: { [source]: {} } })?.plugin).toBe(plugin);
    expect(migrationOf({ spec: { local: { path: '/x' } } })).toBeUndefined();
    expect(migrationOf({ spec: { csi: { driver: 'd', volumeHandle: 'h' } } })).toBeUndefined();
  });

  it('parses the CSINode annotation', () => {
    expect([...parseMigratedPlugins('kubernetes.io/gce-pd,kubernetes.io/aws-ebs')]).toEqual(['kubernetes.io/gce-pd', 'kubernetes.io/aws-ebs']);
    expect(parseMigratedPlugins('').size).toBe(0);
    expect(parseMigratedPlugins(undefined).size).toBe(0);
  });

  it('static matching of an unbound migratable PV checks the PV as stored, on migrated nodes too (upstream findMatchingVolumes does not translate)', () => {
    const s = new ClusterStore();
    const sc: StorageClass = { metadata: { name: 'w' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' };
    s.upsert('StorageClass', sc);
    s.upsert('PersistentVolume', { metadata: { name: 'gpd', labels: { [BETA_ZONE]: 'z1' } }, spec: { capacity: { storage: '5Gi' }, storageClassName: 'w', accessModes: ['ReadWriteOnce'], gcePersistentDisk: { pdName: 'd' } }, status: { phase: 'Available' } } as PersistentVolume);
    const pvc: PersistentVolumeClaim = { metadata: { name: 'c', namespace: 'ns' }, spec: { storageClassName: 'w', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    s.upsert('PersistentVolumeClaim', pvc);
    s.upsert('CSINode', { metadata: { name: 'migrated-z2', annotations: { 'storage.alpha.kubernetes.io/migrated-plugins': 'kubernetes.io/gce-pd' } } });
    const p: Pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }] } };
    const d = filterPod(p, [
      { name: 'plain', labels: { 'topology.gke.io/zone': 'z2' } },
      { name: 'migrated-z2', labels: { 'topology.gke.io/zone': 'z2' } },
    ], s);
    // The PV has no nodeAffinity, so it matches every node; its beta zone label only counts once
    // it is bound (R4.1) or at the bind check (R10.3), where the translation applies.
    expect(d.nodes.map((n) => n.fits)).toEqual([true, true]);
  });
});
