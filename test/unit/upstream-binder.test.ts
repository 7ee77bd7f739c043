/**
 * Cases derived from upstream pkg/scheduler/framework/plugins/volumebinding/binder_test.go
 * (TestFindPodVolumesWithoutProvisioning, TestFindPodVolumesWithProvisioning,
 * TestFindPodVolumesWithCSIMigration, TestCapacity, TestCheckBindings,
 * TestCheckBindingsWithCSIMigration), driven through the `explain` JSON report (explainPod on a
 * ClusterStore loaded from plain objects) or, for TestCheckBindings*, through checkBindings.
 *
 * Upstream calls the binder directly; here the expectation is what the plugin makes of the
 * binder result (R6.2): a node with reasons has no plan, so `staticBindings`/`provisions` are
 * empty on failing nodes even where FindPodVolumes itself returns partial bindings. A binder
 * "shouldFail" from GetPodVolumes/podHasPVCs is the plugin's PreFilter rejection, which the
 * extender repeats on every node (README "Differences from the in-tree plugin").
 */
import { describe, expect, it } from 'vitest';
import type { Kind } from '../../src/cluster/store.js';
import { type BindingWrites, checkBindings } from '../../src/engine/check-bindings.js';
import { ErrReasonBindConflict, ErrReasonNodeConflict, ErrReasonNotEnoughSpace, ErrReasonPVNotExist, ErrReasonUnboundImmediate } from '../../src/engine/reasons.js';
import {
  AnnBindCompleted,
  AnnBoundByController,
  AnnSelectedNode,
  type CSIDriver,
  type CSIStorageCapacity,
  type KubeObject,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type PodVolume,
  type StorageClass,
} from '../../src/engine/types.js';
import { type ExplainReport, explainPod } from '../../src/explain.js';
import { defaultPolicy } from '../../src/policy/policy.js';
import { type Fixture, makeStore } from '../fixtures/builders.js';

// ---- upstream fixtures (binder_test.go vars / helpers), rebuilt as plain objects -------------

const NS = 'testns';
const PROVISIONER = 'test-provisioner';
const NODE_KEY = 'nodeKey';
const WAIT = 'waitClass';
const IMMEDIATE = 'immediateClass';
const WAIT_PROV = 'waitClassWithProvisioner';
const TOPO_MISMATCH = 'topoMismatchClass';

type ClaimState = 'unbound' | 'prebound' | 'bound' | 'selectedNode';

/** makeTestPVC: every claim has uid "pvc-uid", Filesystem mode, no access modes. */
function testPVC(name: string, size: string, node: string, state: ClaimState, pvName: string, rv: string, className: string): PersistentVolumeClaim {
  const pvc: PersistentVolumeClaim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS, uid: 'pvc-uid', resourceVersion: rv },
    spec: { resources: { requests: { storage: size } }, storageClassName: className, volumeMode: 'Filesystem' },
  };
  const ann: Record<string, string> = {};
  if (state === 'selectedNode') ann[AnnSelectedNode] = node;
  if (state === 'bound') ann[AnnBindCompleted] = 'yes';
  if (state === 'bound' || state === 'prebound') pvc.spec!.volumeName = pvName;
  if (Object.keys(ann).length > 0) pvc.metadata!.annotations = ann;
  return pvc;
}

/** makeTestPV: Available, affinity nodeKey In [node], claimRef (+ bound-by-controller) when bound. */
function testPV(name: string, node: string, capacity: string, version: string, boundTo: PersistentVolumeClaim | null, className: string): PersistentVolume {
  const pv: PersistentVolume = {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, resourceVersion: version },
    spec: { capacity: { storage: capacity }, storageClassName: className, volumeMode: 'Filesystem' },
    status: { phase: 'Available' },
  };
  if (node !== '') pv.spec!.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: NODE_KEY, operator: 'In', values: [node] }] }] } };
  if (boundTo) {
    const m = boundTo.metadata!;
    pv.spec!.claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', resourceVersion: m.resourceVersion ?? '', name: m.name ?? '', namespace: m.namespace ?? '', uid: m.uid ?? '' };
    pv.metadata!.annotations = { [AnnBoundByController]: 'yes' };
  }
  return pv;
}

const unboundPVC = testPVC('unbound-pvc', '1G', '', 'unbound', '', '1', WAIT);
const unboundPVC2 = testPVC('unbound-pvc2', '5G', '', 'unbound', '', '1', WAIT);
const preboundPVC = testPVC('prebound-pvc', '1G', '', 'prebound', 'pv-node1a', '1', WAIT);
const preboundPVCNode1a = testPVC('unbound-pvc', '1G', '', 'prebound', 'pv-node1a', '1', WAIT);
const boundPVC = testPVC('bound-pvc', '1G', '', 'bound', 'pv-bound', '1', WAIT);
const boundPVCNode1a = testPVC('unbound-pvc', '1G', '', 'bound', 'pv-node1a', '1', WAIT);
const immediateUnboundPVC = testPVC('immediate-unbound-pvc', '1G', '', 'unbound', '', '1', IMMEDIATE);
const immediateBoundPVC = testPVC('immediate-bound-pvc', '1G', '', 'bound', 'pv-bound-immediate', '1', IMMEDIATE);
const provisionedPVC = testPVC('provisioned-pvc', '1Gi', '', 'unbound', '', '1', WAIT_PROV);
const provisionedPVCBound = testPVC('provisioned-pvc', '1Gi', '', 'bound', 'pv-bound', '1', WAIT_PROV);
const noProvisionerPVC = testPVC('no-provisioner-pvc', '1Gi', '', 'unbound', '', '1', WAIT);
const topoMismatchPVC = testPVC('topo-mismatch-pvc', '1Gi', '', 'unbound', '', '1', TOPO_MISMATCH);
const selectedNodePVC = testPVC('provisioned-pvc', '1Gi', 'node1', 'selectedNode', '', '1', WAIT_PROV);
const boundMigrationPVC = testPVC('pvc-migration-bound', '1G', '', 'bound', 'pv-migration-bound', '1', WAIT);
const provMigrationPVCBound = testPVC('pvc-migration-provisioned', '1Gi', '', 'bound', 'pv-migration-bound', '1', WAIT_PROV);

const pvNode1a = testPV('pv-node1a', 'node1', '5G', '1', null, WAIT);
const pvNode1b = testPV('pv-node1b', 'node1', '10G', '1', null, WAIT);
const pvNode2 = testPV('pv-node2', 'node2', '1G', '1', null, WAIT);
const pvBound = testPV('pv-bound', 'node1', '1G', '1', boundPVC, WAIT);
const pvNode1aBound = testPV('pv-node1a', 'node1', '5G', '1', unboundPVC, WAIT);
const pvNode1bBound = testPV('pv-node1b', 'node1', '10G', '1', unboundPVC2, WAIT);
const pvBoundImmediate = testPV('pv-bound-immediate', 'node1', '1G', '1', immediateBoundPVC, IMMEDIATE);
const pvBoundImmediateNode2 = testPV('pv-bound-immediate', 'node2', '1G', '1', immediateBoundPVC, IMMEDIATE);

/** makeGenericEphemeralPVC: the pod (test-pod, no uid) owns it iff `owned`; ownerRef uid = pod uid = "". */
function genericPVC(volumeName: string, owned: boolean): PersistentVolumeClaim {
  const pvc = testPVC(`test-pod-${volumeName}`, '1G', '', 'bound', 'pv-bound', '1', IMMEDIATE);
  if (owned) pvc.metadata!.ownerReferences = [{ name: 'test-pod', uid: '', controller: true }];
  return pvc;
}
const conflictingGenericPVC = genericPVC('test-volume', false);
const correctGenericPVC = genericPVC('test-volume', true);
const pvBoundGeneric = testPV('pv-bound', 'node1', '1G', '1', correctGenericPVC, WAIT);

/** makeTestPVForCSIMigration: GCE PD, beta zone/region labels, no affinity (set by translation). */
function migrationPV(boundTo: PersistentVolumeClaim): PersistentVolume {
  const pv = testPV('pv-migration-bound', 'node1', '1G', '1', boundTo, WAIT);
  delete pv.spec!.nodeAffinity;
  pv.metadata!.labels = { 'failure-domain.beta.kubernetes.io/zone': 'us-east-1', 'failure-domain.beta.kubernetes.io/region': 'us-east-1a' };
  pv.spec!.gcePersistentDisk = { pdName: 'test-disk', fsType: 'ext4', partition: 0, readOnly: false };
  return pv;
}
const migrationPVBound = migrationPV(boundMigrationPVC);
const migrationPVBoundToUnbound = migrationPV(unboundPVC);

function node(name: string, labels: Record<string, string>): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } };
}
/** testNode of the FindPodVolumes tests: labels only nodeKey (no hostname label). */
const testNode = node('node1', { [NODE_KEY]: 'node1' });
const node1 = testNode;
const node2 = node('node2', { [NODE_KEY]: 'node2' });
const node1NoLabels = node('node1', {});
const node1Zone1 = node('node1', { 'topology.gke.io/zone': 'us-east-1' });
const node1Zone2 = node('node1', { 'topology.gke.io/zone': 'us-east-2' });

function csiNode(name: string, migratedPlugin: string): KubeObject {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name, annotations: { 'storage.alpha.kubernetes.io/migrated-plugins': migratedPlugin } } };
}

function sc(name: string, mode: string, provisioner: string, allowed?: string[]): StorageClass {
  const o: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, volumeBindingMode: mode, provisioner };
  if (allowed) o.allowedTopologies = [{ matchLabelExpressions: [{ key: NODE_KEY, values: allowed }] }];
  return o;
}
/** newTestBinder's classes. */
const CLASSES: StorageClass[] = [
  sc(WAIT_PROV, 'WaitForFirstConsumer', PROVISIONER, ['node1', 'reference-value']),
  sc(IMMEDIATE, 'Immediate', ''),
  sc(WAIT, 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner'),
  sc(TOPO_MISMATCH, 'WaitForFirstConsumer', PROVISIONER, ['reference-value']),
];

function csiDriver(storageCapacity: boolean): CSIDriver {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: PROVISIONER }, spec: { storageCapacity } };
}

/** makeCapacity: nodeTopology {} (every node) when node is null, else nodeKey=<node's value>. */
function capacity(name: string, className: string, forNode: Node | null, cap: string, max: string): CSIStorageCapacity {
  const c: CSIStorageCapacity = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'CSIStorageCapacity',
    metadata: { name, namespace: 'kube-system' },
    storageClassName: className,
    nodeTopology: forNode ? { matchLabels: { [NODE_KEY]: forNode.metadata!.labels![NODE_KEY]! } } : {},
  };
  if (cap !== '') c.capacity = cap;
  if (max !== '') c.maximumVolumeSize = max;
  return c;
}

function testPod(volumes: PodVolume[]): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'test-pod', namespace: NS }, spec: { nodeName: 'node1', volumes } };
}
/** withPVCSVolume: volumes vol0, vol1, … in claim order. */
function podWithPVCs(pvcs: readonly PersistentVolumeClaim[]): Pod {
  return testPod(pvcs.map((p, i) => ({ name: `vol${i}`, persistentVolumeClaim: { claimName: p.metadata!.name! } })));
}

// ---- running a case through explain --------------------------------------------------------

const K = (kind: Kind, o: KubeObject): Fixture => [kind, structuredClone(o)] as const;

interface NodeWant {
  fits: boolean;
  reasons: string[];
  staticBindings: { claim: string; volume: string }[];
  provisions: string[];
}
interface Want {
  unschedulable?: string;
  error?: string;
  node: NodeWant;
}

function explainJSON(pod: Pod, objs: { pvs?: PersistentVolume[]; pvcs?: PersistentVolumeClaim[]; nodes?: Node[]; extra?: Fixture[] }): ExplainReport {
  const fixtures: Fixture[] = [
    K('Pod', pod),
    ...CLASSES.map((c) => K('StorageClass', c)),
    ...(objs.nodes ?? [testNode]).map((n) => K('Node', n)),
    ...(objs.pvs ?? []).map((p) => K('PersistentVolume', p)),
    ...(objs.pvcs ?? []).map((p) => K('PersistentVolumeClaim', p)),
    ...(objs.extra ?? []),
  ];
  const store = makeStore(...fixtures);
  const { report } = explainPod(store, `${NS}/test-pod`, defaultPolicy().scoring);
  // Exactly what `explain --output json` prints.
  return JSON.parse(JSON.stringify(report)) as ExplainReport;
}

function outcome(r: ExplainReport): Want {
  expect(r.nodes).toHaveLength(1);
  const n = r.nodes[0]!;
  const out: Want = { node: { fits: n.fits, reasons: n.reasons, staticBindings: n.staticBindings, provisions: n.provisions } };
  if (r.unschedulable !== undefined) out.unschedulable = r.unschedulable;
  if (r.error !== undefined) out.error = r.error;
  return out;
}

const b = (claim: PersistentVolumeClaim, pv: PersistentVolume): { claim: string; volume: string } => ({ claim: `${NS}/${claim.metadata!.name!}`, volume: pv.metadata!.name! });
const key = (pvc: PersistentVolumeClaim): string => `${NS}/${pvc.metadata!.name!}`;
const fits = (staticBindings: NodeWant['staticBindings'] = [], provisions: string[] = []): Want => ({ node: { fits: true, reasons: [], staticBindings, provisions } });
const fails = (...reasons: string[]): Want => ({ node: { fits: false, reasons, staticBindings: [], provisions: [] } });
/** A PreFilter rejection: repeated on the node (documented extender difference). */
const rejected = (msg: string): Want => ({ unschedulable: msg, node: { fits: false, reasons: [msg], staticBindings: [], provisions: [] } });

// The three CSIDriver set-ups every FindPodVolumes scenario runs under upstream.
const DRIVERS: { name: string; fixtures: Fixture[]; tracksCapacity: boolean }[] = [
  { name: 'no CSIDriver', fixtures: [], tracksCapacity: false },
  { name: 'CSIDriver with capacity tracking', fixtures: [K('CSIDriver', csiDriver(true))], tracksCapacity: true },
  { name: 'CSIDriver without capacity tracking', fixtures: [K('CSIDriver', csiDriver(false))], tracksCapacity: false },
];

// ---- TestFindPodVolumesWithoutProvisioning --------------------------------------------------

interface Scenario {
  pvs?: PersistentVolume[];
  podPVCs?: PersistentVolumeClaim[];
  cachePVCs?: PersistentVolumeClaim[];
  pod?: Pod;
  want: Want;
}

const withoutProvisioning: Record<string, Scenario> = {
  'no-volumes': { pod: testPod([]), want: fits() },
  'no-pvcs': { pod: testPod([{ name: 'scratch', emptyDir: {} }]), want: fits() },
  'pvc-not-found': { cachePVCs: [], podPVCs: [boundPVC], want: rejected('persistentvolumeclaim "bound-pvc" not found') },
  'bound-pvc': { podPVCs: [boundPVC], pvs: [pvBound], want: fits() },
  'bound-pvc,pv-not-exists': { podPVCs: [boundPVC], want: fails(ErrReasonPVNotExist) },
  'prebound-pvc': { podPVCs: [preboundPVC], pvs: [pvNode1aBound], want: rejected(ErrReasonUnboundImmediate) },
  'unbound-pvc,pv-same-node': { podPVCs: [unboundPVC], pvs: [pvNode2, pvNode1a, pvNode1b], want: fits([b(unboundPVC, pvNode1a)]) },
  'unbound-pvc,pv-different-node': { podPVCs: [unboundPVC], pvs: [pvNode2], want: fails(ErrReasonBindConflict) },
  'two-unbound-pvcs': { podPVCs: [unboundPVC, unboundPVC2], pvs: [pvNode1a, pvNode1b], want: fits([b(unboundPVC, pvNode1a), b(unboundPVC2, pvNode1b)]) },
  'two-unbound-pvcs,order-by-size': { podPVCs: [unboundPVC2, unboundPVC], pvs: [pvNode1a, pvNode1b], want: fits([b(unboundPVC, pvNode1a), b(unboundPVC2, pvNode1b)]) },
  // Upstream FindPodVolumes also returns the partial binding unbound-pvc → pv-node1a; the plugin
  // keeps no plan for a failing node, and neither does the report.
  'two-unbound-pvcs,partial-match': { podPVCs: [unboundPVC, unboundPVC2], pvs: [pvNode1a], want: fails(ErrReasonBindConflict) },
  'one-bound,one-unbound': { podPVCs: [unboundPVC, boundPVC], pvs: [pvBound, pvNode1a], want: fits([b(unboundPVC, pvNode1a)]) },
  'one-bound,one-unbound,no-match': { podPVCs: [unboundPVC, boundPVC], pvs: [pvBound, pvNode2], want: fails(ErrReasonBindConflict) },
  'one-prebound,one-unbound': { podPVCs: [unboundPVC, preboundPVC], pvs: [pvNode1a, pvNode1b], want: rejected(ErrReasonUnboundImmediate) },
  'immediate-bound-pvc': { podPVCs: [immediateBoundPVC], pvs: [pvBoundImmediate], want: fits() },
  'immediate-bound-pvc-wrong-node': { podPVCs: [immediateBoundPVC], pvs: [pvBoundImmediateNode2], want: fails(ErrReasonNodeConflict) },
  'immediate-unbound-pvc': { podPVCs: [immediateUnboundPVC], want: rejected(ErrReasonUnboundImmediate) },
  'immediate-unbound-pvc,delayed-mode-bound': { podPVCs: [immediateUnboundPVC, boundPVC], pvs: [pvBound], want: rejected(ErrReasonUnboundImmediate) },
  'immediate-unbound-pvc,delayed-mode-unbound': { podPVCs: [immediateUnboundPVC, unboundPVC], want: rejected(ErrReasonUnboundImmediate) },
  'generic-ephemeral,no-pvc': {
    pod: testPod([{ name: 'no-such-pvc', ephemeral: {} }]),
    want: rejected('waiting for ephemeral volume controller to create the persistentvolumeclaim "test-pod-no-such-pvc"'),
  },
  // The upstream pod has no uid and the PVC's controller ownerReference carries the pod's (empty)
  // uid: metav1.IsControlledBy compares the two uids and accepts.
  'generic-ephemeral,with-pvc': { pod: testPod([{ name: 'test-volume', ephemeral: {} }]), cachePVCs: [correctGenericPVC], pvs: [pvBoundGeneric], want: fits() },
  'generic-ephemeral,wrong-pvc': {
    pod: testPod([{ name: 'test-volume', ephemeral: {} }]),
    cachePVCs: [conflictingGenericPVC],
    pvs: [pvBoundGeneric],
    want: rejected('PVC testns/test-pod-test-volume was not created for pod testns/test-pod (pod is not owner)'),
  },
};

function runScenario(s: Scenario, extra: Fixture[]): Want {
  const pvcs = s.cachePVCs ?? s.podPVCs ?? [];
  const pod = s.pod ?? podWithPVCs(s.podPVCs ?? []);
  return outcome(explainJSON(pod, { pvs: s.pvs ?? [], pvcs, extra }));
}

describe('binder_test TestFindPodVolumesWithoutProvisioning', () => {
  for (const d of DRIVERS) {
    describe(d.name, () => {
      for (const [name, s] of Object.entries(withoutProvisioning)) {
        it(`binder_test TestFindPodVolumesWithoutProvisioning: "${name}"`, () => {
          expect(runScenario(s, d.fixtures)).toEqual(s.want);
        });
      }
    });
  }
});

// ---- TestFindPodVolumesWithProvisioning -----------------------------------------------------

interface ProvScenario extends Scenario {
  /** Upstream needsCapacity: with a capacity-tracking driver and no CSIStorageCapacity, provisioning is blocked. */
  needsCapacity?: boolean;
}

const withProvisioning: Record<string, ProvScenario> = {
  'one-provisioned': { podPVCs: [provisionedPVC], want: fits([], [key(provisionedPVC)]), needsCapacity: true },
  'two-unbound-pvcs,one-matched,one-provisioned': {
    podPVCs: [unboundPVC, provisionedPVC],
    pvs: [pvNode1a],
    want: fits([b(unboundPVC, pvNode1a)], [key(provisionedPVC)]),
    needsCapacity: true,
  },
  'one-bound,one-provisioned': { podPVCs: [boundPVC, provisionedPVC], pvs: [pvBound], want: fits([], [key(provisionedPVC)]), needsCapacity: true },
  'one-binding,one-selected-node': { podPVCs: [boundPVC, selectedNodePVC], pvs: [pvBound], want: fits([], [key(selectedNodePVC)]), needsCapacity: true },
  'immediate-unbound-pvc': { podPVCs: [immediateUnboundPVC], want: rejected(ErrReasonUnboundImmediate) },
  'one-immediate-bound,one-provisioned': {
    podPVCs: [immediateBoundPVC, provisionedPVC],
    pvs: [pvBoundImmediate],
    want: fits([], [key(provisionedPVC)]),
    needsCapacity: true,
  },
  'invalid-provisioner': { podPVCs: [noProvisionerPVC], want: fails(ErrReasonBindConflict) },
  'volume-topology-unsatisfied': { podPVCs: [topoMismatchPVC], want: fails(ErrReasonBindConflict) },
};

describe('binder_test TestFindPodVolumesWithProvisioning', () => {
  for (const d of DRIVERS) {
    describe(d.name, () => {
      for (const [name, s] of Object.entries(withProvisioning)) {
        it(`binder_test TestFindPodVolumesWithProvisioning: "${name}"`, () => {
          const want = s.needsCapacity && d.tracksCapacity ? fails(ErrReasonNotEnoughSpace) : s.want;
          expect(runScenario(s, d.fixtures)).toEqual(want);
        });
      }
    });
  }
});

// ---- TestFindPodVolumesWithCSIMigration -----------------------------------------------------

describe('binder_test TestFindPodVolumesWithCSIMigration', () => {
  const cases: { name: string; node: Node; csiNodes: KubeObject[]; want: Want }[] = [
    { name: 'pvc-bound', node: node1Zone1, csiNodes: [csiNode('node1', 'kubernetes.io/gce-pd')], want: fits() },
    { name: 'pvc-bound,csinode-not-migrated', node: node1Zone1, csiNodes: [csiNode('node1', '')], want: fits() },
    { name: 'pvc-bound,missing-csinode', node: node1Zone1, csiNodes: [], want: fits() },
    { name: 'pvc-bound,node-different-zone', node: node1Zone2, csiNodes: [csiNode('node1', 'kubernetes.io/gce-pd')], want: fails(ErrReasonNodeConflict) },
  ];
  for (const c of cases) {
    it(`binder_test TestFindPodVolumesWithCSIMigration: "${c.name}"`, () => {
      const r = explainJSON(podWithPVCs([boundMigrationPVC]), {
        pvs: [migrationPVBound],
        pvcs: [boundMigrationPVC],
        nodes: [c.node],
        extra: c.csiNodes.map((n) => K('CSINode', n)),
      });
      expect(outcome(r)).toEqual(c.want);
    });
  }

  /**
   * Not an upstream table case, but the other half of the same code: binder.go findMatchingVolumes
   * passes the PV list to volume.FindMatchingVolume, which calls CheckNodeAffinity on the PV as
   * stored. Only checkBoundClaims and checkBindings call tryTranslatePVToCSI. So an unbound claim
   * matched against an in-tree GCE PD PV (beta zone label, no nodeAffinity) fits a migrated node
   * in another zone upstream, and so it does here (matching.ts findMatchingVolume).
   */
  it('binder.go findMatchingVolumes with TestFindPodVolumesWithCSIMigration fixtures: unbound claim, migrated node in another zone → the untranslated PV matches', () => {
    const unclaimedMigrationPV = migrationPV(unboundPVC);
    unclaimedMigrationPV.metadata!.name = 'pv-migration-unbound';
    delete unclaimedMigrationPV.spec!.claimRef;
    delete unclaimedMigrationPV.metadata!.annotations;
    const r = explainJSON(podWithPVCs([unboundPVC]), {
      pvs: [unclaimedMigrationPV],
      pvcs: [unboundPVC],
      nodes: [node1Zone2],
      extra: [K('CSINode', csiNode('node1', 'kubernetes.io/gce-pd'))],
    });
    expect(outcome(r)).toEqual(fits([b(unboundPVC, unclaimedMigrationPV)]));
  });
});

// ---- TestCapacity ---------------------------------------------------------------------------

describe('binder_test TestCapacity', () => {
  // CSIStorageCapacity is GA: only the CSIDriver.spec.storageCapacity opt-in varies. With the
  // opt-in off every scenario fits (upstream: expectedReasons = nil).
  const scenarios: { name: string; capacities: CSIStorageCapacity[]; enough: boolean }[] = [
    { name: 'network-attached', capacities: [capacity('net', WAIT_PROV, null, '1Gi', '')], enough: true },
    { name: 'local-storage', capacities: [capacity('net', WAIT_PROV, node1, '1Gi', '')], enough: true },
    {
      // Upstream gives all three the name "net" (the informer keeps one); distinct names here so
      // the scan really sees three objects.
      name: 'multiple',
      capacities: [capacity('net-0', WAIT_PROV, null, '1Gi', ''), capacity('net-1', WAIT_PROV, node2, '1Gi', ''), capacity('net-2', WAIT_PROV, node1, '1Gi', '')],
      enough: true,
    },
    { name: 'no-storage', capacities: [], enough: false },
    { name: 'wrong-node', capacities: [capacity('net', WAIT_PROV, node2, '1Gi', '')], enough: false },
    { name: 'wrong-storage-class', capacities: [capacity('net', WAIT, node1, '1Gi', '')], enough: false },
    { name: 'insufficient-storage', capacities: [capacity('net', WAIT_PROV, node1, '1Mi', '')], enough: false },
    { name: 'insufficient-volume-size', capacities: [capacity('net', WAIT_PROV, node1, '1Gi', '1Mi')], enough: false },
    { name: 'zero-storage', capacities: [capacity('net', WAIT_PROV, node1, '0Mi', '')], enough: false },
    { name: 'zero-volume-size', capacities: [capacity('net', WAIT_PROV, node1, '', '0Mi')], enough: false },
    { name: 'nil-storage', capacities: [capacity('net', WAIT_PROV, node1, '', '')], enough: false },
  ];
  for (const optIn of [true, false]) {
    describe(`CSIDriver.StorageCapacity=${optIn}`, () => {
      for (const s of scenarios) {
        it(`binder_test TestCapacity: "${s.name}"`, () => {
          const r = explainJSON(podWithPVCs([provisionedPVC]), {
            pvcs: [provisionedPVC],
            extra: [K('CSIDriver', csiDriver(optIn)), ...s.capacities.map((c) => K('CSIStorageCapacity', c))],
          });
          expect(outcome(r)).toEqual(!optIn || s.enough ? fits([], [key(provisionedPVC)]) : fails(ErrReasonNotEnoughSpace));
        });
      }
    });
  }
});

// ---- TestCheckBindings / TestCheckBindingsWithCSIMigration ----------------------------------

/**
 * Upstream runs checkBindings after assuming the plan; the assumed PV/PVC carry the
 * resourceVersion the binder wrote (the "written" RV here) and the informer copies are the
 * init objects, replaced by `apiPVs`/`apiPVCs`, or removed by `deletePVs`/`deletePVCs`.
 */
interface CheckScenario {
  initPVs?: PersistentVolume[];
  initPVCs?: PersistentVolumeClaim[];
  bindings?: [PersistentVolumeClaim, PersistentVolume][];
  provisionedPVCs?: PersistentVolumeClaim[];
  apiPVs?: PersistentVolume[];
  apiPVCs?: PersistentVolumeClaim[];
  deletePVs?: boolean;
  deletePVCs?: boolean;
  nodes?: Node[];
  csiNodes?: KubeObject[];
  want: 'done' | 'pending' | 'failed';
}

function withSelectedNode(pvc: PersistentVolumeClaim, nodeName: string): PersistentVolumeClaim {
  const c = structuredClone(pvc);
  c.metadata!.annotations = { ...(c.metadata!.annotations ?? {}), [AnnSelectedNode]: nodeName };
  return c;
}
const addProvisionAnn = (pvc: PersistentVolumeClaim): PersistentVolumeClaim => withSelectedNode(pvc, 'node1');
function withEmptyAnnotations(pvc: PersistentVolumeClaim): PersistentVolumeClaim {
  const c = structuredClone(pvc);
  c.metadata!.annotations = {};
  return c;
}
function withoutClaimUID(pv: PersistentVolume): PersistentVolume {
  const c = structuredClone(pv);
  c.spec!.claimRef!.uid = '';
  return c;
}

function runCheck(s: CheckScenario): string {
  const fixtures: Fixture[] = [K('Pod', testPod([])), ...(s.nodes ?? [node1]).map((n) => K('Node', n)), ...(s.csiNodes ?? []).map((n) => K('CSINode', n))];
  const pvs = new Map<string, PersistentVolume>();
  const pvcs = new Map<string, PersistentVolumeClaim>();
  for (const pv of s.deletePVs ? [] : [...(s.initPVs ?? []), ...(s.apiPVs ?? [])]) pvs.set(pv.metadata!.name!, pv);
  for (const pvc of s.deletePVCs ? [] : [...(s.initPVCs ?? []), ...(s.apiPVCs ?? [])]) pvcs.set(pvc.metadata!.name!, pvc);
  for (const pv of pvs.values()) fixtures.push(K('PersistentVolume', pv));
  for (const pvc of pvcs.values()) fixtures.push(K('PersistentVolumeClaim', pvc));
  const store = makeStore(...fixtures);
  const w: BindingWrites = {
    podNamespace: NS,
    podName: 'test-pod',
    node: 'node1',
    bindings: (s.bindings ?? []).map(([pvc, pv]) => ({ pv: pv.metadata!.name!, claimNamespace: NS, claimName: pvc.metadata!.name!, writtenRV: pv.metadata!.resourceVersion! })),
    provisions: (s.provisionedPVCs ?? []).map((pvc) => ({ claimNamespace: NS, claimName: pvc.metadata!.name!, writtenRV: pvc.metadata!.resourceVersion! })),
  };
  return checkBindings(w, store).status;
}

describe('binder_test TestCheckBindings', () => {
  // "nothing-to-bind-nil", "-bindings-nil", "-provisionings-nil": nil vs empty slices have no
  // equivalent in BindingWrites (arrays are required), so they are not ported.
  const scenarios: Record<string, CheckScenario> = {
    'nothing-to-bind': { want: 'done' },
    'binding-bound': { bindings: [[unboundPVC, pvNode1aBound]], initPVs: [pvNode1aBound], initPVCs: [boundPVCNode1a], want: 'done' },
    'binding-prebound': { bindings: [[unboundPVC, pvNode1aBound]], initPVs: [pvNode1aBound], initPVCs: [preboundPVCNode1a], want: 'pending' },
    'binding-unbound': { bindings: [[unboundPVC, pvNode1aBound]], initPVs: [pvNode1aBound], initPVCs: [unboundPVC], want: 'pending' },
    'binding-pvc-not-exists': { bindings: [[unboundPVC, pvNode1aBound]], initPVs: [pvNode1aBound], want: 'failed' },
    'binding-pv-not-exists': { bindings: [[unboundPVC, pvNode1aBound]], initPVs: [pvNode1aBound], initPVCs: [boundPVCNode1a], deletePVs: true, want: 'failed' },
    'binding-claimref-nil': {
      bindings: [[unboundPVC, pvNode1aBound]],
      initPVs: [pvNode1a],
      initPVCs: [boundPVCNode1a],
      apiPVs: [pvNode1a],
      apiPVCs: [boundPVCNode1a],
      want: 'failed',
    },
    'binding-claimref-uid-empty': {
      bindings: [[unboundPVC, pvNode1aBound]],
      initPVs: [pvNode1aBound],
      initPVCs: [boundPVCNode1a],
      apiPVs: [withoutClaimUID(pvNode1aBound)],
      apiPVCs: [boundPVCNode1a],
      want: 'failed',
    },
    'binding-one-bound,one-unbound': {
      bindings: [
        [unboundPVC, pvNode1aBound],
        [unboundPVC2, pvNode1bBound],
      ],
      initPVs: [pvNode1aBound, pvNode1bBound],
      initPVCs: [boundPVCNode1a, unboundPVC2],
      want: 'pending',
    },
    'provisioning-pvc-bound': {
      provisionedPVCs: [addProvisionAnn(provisionedPVC)],
      initPVs: [pvBound],
      initPVCs: [provisionedPVCBound],
      apiPVCs: [addProvisionAnn(provisionedPVCBound)],
      want: 'done',
    },
    'provisioning-pvc-unbound': { provisionedPVCs: [addProvisionAnn(provisionedPVC)], initPVCs: [addProvisionAnn(provisionedPVC)], want: 'pending' },
    'provisioning-pvc-not-exists': { provisionedPVCs: [addProvisionAnn(provisionedPVC)], initPVCs: [provisionedPVC], deletePVCs: true, want: 'failed' },
    'provisioning-pvc-annotations-nil': { provisionedPVCs: [addProvisionAnn(provisionedPVC)], initPVCs: [provisionedPVC], apiPVCs: [provisionedPVC], want: 'failed' },
    'provisioning-pvc-selected-node-dropped': {
      provisionedPVCs: [addProvisionAnn(provisionedPVC)],
      initPVCs: [provisionedPVC],
      apiPVCs: [withEmptyAnnotations(provisionedPVC)],
      want: 'failed',
    },
    'provisioning-pvc-selected-node-wrong-node': {
      provisionedPVCs: [addProvisionAnn(provisionedPVC)],
      initPVCs: [provisionedPVC],
      apiPVCs: [withSelectedNode(provisionedPVC, 'wrong-node')],
      want: 'failed',
    },
    'binding-bound-provisioning-unbound': {
      bindings: [[unboundPVC, pvNode1aBound]],
      provisionedPVCs: [addProvisionAnn(provisionedPVC)],
      initPVs: [pvNode1aBound],
      initPVCs: [boundPVCNode1a, addProvisionAnn(provisionedPVC)],
      want: 'pending',
    },
    'tolerate-provisioning-pvc-bound-pv-not-found': {
      initPVs: [pvNode1a],
      initPVCs: [provisionedPVC],
      provisionedPVCs: [addProvisionAnn(provisionedPVC)],
      apiPVCs: [addProvisionAnn(provisionedPVCBound)],
      deletePVs: true,
      want: 'pending',
    },
  };
  for (const [name, s] of Object.entries(scenarios)) {
    it(`binder_test TestCheckBindings: "${name}"`, () => {
      expect(runCheck(s)).toBe(s.want);
    });
  }
});

describe('binder_test TestCheckBindingsWithCSIMigration', () => {
  // CSI migration of GCE PD is always on (the "migration-off" case needs the gate off: not ported).
  const migrated = [csiNode('node1', 'kubernetes.io/gce-pd')];
  const scenarios: Record<string, CheckScenario> = {
    'provisioning-pvc-bound': {
      provisionedPVCs: [addProvisionAnn(provMigrationPVCBound)],
      initPVs: [migrationPVBound],
      initPVCs: [provMigrationPVCBound],
      nodes: [node1Zone1],
      csiNodes: migrated,
      apiPVCs: [addProvisionAnn(provMigrationPVCBound)],
      want: 'done',
    },
    'binding-node-pv-same-zone': {
      bindings: [[unboundPVC, migrationPVBoundToUnbound]],
      initPVs: [migrationPVBoundToUnbound],
      initPVCs: [unboundPVC],
      nodes: [node1Zone1],
      csiNodes: migrated,
      want: 'pending',
    },
    'binding-without-csinode': {
      bindings: [[unboundPVC, migrationPVBoundToUnbound]],
      initPVs: [migrationPVBoundToUnbound],
      initPVCs: [unboundPVC],
      nodes: [node1Zone1],
      want: 'pending',
    },
    'binding-non-migrated-plugin': {
      bindings: [[unboundPVC, migrationPVBoundToUnbound]],
      initPVs: [migrationPVBoundToUnbound],
      initPVCs: [unboundPVC],
      nodes: [node1Zone1],
      csiNodes: [csiNode('node1', '')],
      want: 'pending',
    },
    'binding-node-pv-in-different-zones': {
      bindings: [[unboundPVC, migrationPVBoundToUnbound]],
      initPVs: [migrationPVBoundToUnbound],
      initPVCs: [unboundPVC],
      nodes: [node1Zone2],
      csiNodes: migrated,
      want: 'failed',
    },
  };
  for (const [name, s] of Object.entries(scenarios)) {
    it(`binder_test TestCheckBindingsWithCSIMigration: "${name}"`, () => {
      expect(runCheck(s)).toBe(s.want);
    });
  }
});

// node1NoLabels is used by TestBindPodVolumes "node-affinity-fails": the bound PV's affinity no
// longer matches the node, which checkBindings reports as a failure.
describe('binder_test TestBindPodVolumes (check phase only)', () => {
  it('binder_test TestBindPodVolumes: "node-affinity-fails"', () => {
    expect(runCheck({ bindings: [[unboundPVC, pvNode1aBound]], initPVs: [pvNode1aBound], initPVCs: [boundPVCNode1a], nodes: [node1NoLabels], want: 'failed' })).toBe('failed');
  });
  it('binder_test TestBindPodVolumes: "node-affinity-fails-dynamic-provisioning"', () => {
    const provisionedOnNode2 = structuredClone(selectedNodePVC);
    provisionedOnNode2.spec!.volumeName = pvNode2.metadata!.name!;
    provisionedOnNode2.metadata!.annotations = { ...provisionedOnNode2.metadata!.annotations, [AnnBindCompleted]: 'yes' };
    expect(
      runCheck({ initPVs: [pvNode1a, pvNode2], initPVCs: [provisionedOnNode2], provisionedPVCs: [selectedNodePVC], nodes: [node1, node2], want: 'failed' }),
    ).toBe('failed');
  });
  it('binder_test TestBindPodVolumes: "already-bound"', () => {
    expect(runCheck({ bindings: [[unboundPVC, pvNode1aBound]], initPVs: [pvNode1aBound], initPVCs: [boundPVCNode1a], want: 'done' })).toBe('done');
  });
});
