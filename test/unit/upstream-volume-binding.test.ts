/**
 * Cases derived from upstream pkg/scheduler/framework/plugins/volumebinding/volume_binding_test.go
 * (TestVolumeBinding), driven through the `explain` JSON report: explainPod on a ClusterStore
 * loaded from plain objects, serialised as `explain --output json` prints it.
 *
 * Fixtures follow upstream test_utils.go: claims and pods in namespace "default", claims without
 * access modes or request unless given, PVs without access modes or capacity unless given, the
 * three classes immediate-sc / wait-sc / wait-hdd-sc without a provisioner.
 *
 * Documented differences (README "Differences from the in-tree plugin"):
 * - a PreFilter rejection is repeated on every node (`unschedulable` + the reason on each node);
 * - scores exist only for fitting nodes (`null` otherwise; upstream Score returns 0 for a node
 *   without a plan);
 * - ties between equally small PVs go to the lexically smallest name.
 */
import { describe, expect, it } from 'vitest';
import type { Kind } from '../../src/cluster/store.js';
import type { ScoringPolicy, ShapePoint } from '../../src/engine/score.js';
import { ErrReasonBindConflict, ErrReasonNodeConflict, ErrReasonPVNotExist, ErrReasonUnboundImmediate } from '../../src/engine/reasons.js';
import {
  AnnBindCompleted,
  type KubeObject,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type StorageClass,
} from '../../src/engine/types.js';
import { type ExplainNode, type ExplainReport, explainPod } from '../../src/explain.js';
import { defaultPolicy } from '../../src/policy/policy.js';
import { type Fixture, makeStore } from '../fixtures/builders.js';

const NS = 'default';
const HOST = 'kubernetes.io/hostname';
const REGION = 'topology.kubernetes.io/region';
const ZONE = 'topology.kubernetes.io/zone';
const WAIT_SC = 'wait-sc';
const WAIT_HDD_SC = 'wait-hdd-sc';
const IMMEDIATE_SC = 'immediate-sc';

function sc(name: string, mode: string): StorageClass {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, volumeBindingMode: mode };
}
const CLASSES = [sc(IMMEDIATE_SC, 'Immediate'), sc(WAIT_SC, 'WaitForFirstConsumer'), sc(WAIT_HDD_SC, 'WaitForFirstConsumer')];

function node(name: string, labels: Record<string, string> = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { [HOST]: name, ...labels } } };
}

interface PVOpts {
  phase?: string;
  capacity?: string;
  affinity?: Record<string, string[]>;
}
function pv(name: string, className: string, o: PVOpts = {}): PersistentVolume {
  const p: PersistentVolume = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { storageClassName: className } };
  if (o.phase !== undefined) p.status = { phase: o.phase };
  if (o.capacity !== undefined) p.spec!.capacity = { storage: o.capacity };
  if (o.affinity) {
    const matchExpressions = Object.entries(o.affinity).map(([key, values]) => ({ key, operator: 'In', values }));
    p.spec!.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions }] } };
  }
  return p;
}

interface PVCOpts {
  boundPV?: string;
  request?: string;
  phase?: string;
}
function pvc(name: string, className: string, o: PVCOpts = {}): PersistentVolumeClaim {
  const c: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS }, spec: { storageClassName: className } };
  if (o.boundPV !== undefined) {
    c.spec!.volumeName = o.boundPV;
    c.metadata!.annotations = { [AnnBindCompleted]: 'true' };
  }
  if (o.request !== undefined) c.spec!.resources = { requests: { storage: o.request } };
  if (o.phase !== undefined) c.status = { phase: o.phase };
  return c;
}

function pod(...claims: string[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pod-a', namespace: NS },
    spec: { volumes: claims.map((c) => ({ name: '', persistentVolumeClaim: { claimName: c } })) },
  };
}

/** The shape TestVolumeBinding configures with VolumeCapacityPriority (defaultShapePoint). */
const BINPACK_SHAPE: ShapePoint[] = [
  { utilization: 0, score: 0 },
  { utilization: 100, score: 10 },
];
/** VolumeCapacityPriority: static bindings scored, dynamic provisions not (R7.3). */
function capacityPriority(shape: ShapePoint[]): ScoringPolicy {
  return {
    capacity: { enabled: true, scoreDynamicProvisions: false, shape, weight: 1 },
    spreading: { enabled: false, topologyKeys: [], weight: 1 },
  };
}

const K = (kind: Kind, o: KubeObject): Fixture => [kind, structuredClone(o)] as const;

function explainJSON(p: Pod, nodes: Node[], pvcs: PersistentVolumeClaim[], pvs: PersistentVolume[], policy: ScoringPolicy = defaultPolicy().scoring): ExplainReport {
  const store = makeStore(
    K('Pod', p),
    ...CLASSES.map((c) => K('StorageClass', c)),
    ...nodes.map((n) => K('Node', n)),
    ...pvcs.map((c) => K('PersistentVolumeClaim', c)),
    ...pvs.map((v) => K('PersistentVolume', v)),
  );
  const { report } = explainPod(store, `${NS}/pod-a`, policy);
  return JSON.parse(JSON.stringify(report)) as ExplainReport;
}

/** The explain JSON of one node, minus the free-text explanation. */
type NodeWant = Omit<ExplainNode, 'explanation'>;

function summary(r: ExplainReport): { error?: string; unschedulable?: string; nodes: NodeWant[] } {
  const out: { error?: string; unschedulable?: string; nodes: NodeWant[] } = {
    nodes: r.nodes.map((n) => ({ name: n.name, fits: n.fits, reasons: n.reasons, staticBindings: n.staticBindings, provisions: n.provisions, score: n.score })),
  };
  if (r.error !== undefined) out.error = r.error;
  if (r.unschedulable !== undefined) out.unschedulable = r.unschedulable;
  return out;
}

const bind = (claim: string, volume: string): { claim: string; volume: string } => ({ claim: `${NS}/${claim}`, volume });
const fit = (name: string, score: number | null, staticBindings: NodeWant['staticBindings'] = []): NodeWant => ({ name, fits: true, reasons: [], staticBindings, provisions: [], score });
const unfit = (name: string, ...reasons: string[]): NodeWant => ({ name, fits: false, reasons, staticBindings: [], provisions: [], score: null });

/** PreFilter UnschedulableAndUnresolvable: the pod-level reason, repeated per node (documented). */
function rejectedEverywhere(r: ExplainReport, reason: string, nodes: string[]): void {
  expect(summary(r)).toEqual({ unschedulable: reason, nodes: nodes.map((n) => unfit(n, reason)) });
}

describe('volume_binding_test TestVolumeBinding', () => {
  it('volume_binding_test TestVolumeBinding: "pod has not pvcs"', () => {
    const r = explainJSON(pod(), [node('node-a')], [], []);
    expect(summary(r)).toEqual({ nodes: [fit('node-a', 0)] });
  });

  it('volume_binding_test TestVolumeBinding: "all bound"', () => {
    const r = explainJSON(pod('pvc-a'), [node('node-a')], [pvc('pvc-a', WAIT_SC, { boundPV: 'pv-a' })], [pv('pv-a', WAIT_SC, { phase: 'Available' })]);
    expect(summary(r)).toEqual({ nodes: [fit('node-a', 0)] });
  });

  it('volume_binding_test TestVolumeBinding: "all bound with local volumes" (no PreFilterResult: R2.6; node-b added to show the affinity check)', () => {
    const aff = { affinity: { [HOST]: ['node-a'] }, phase: 'Bound' };
    const r = explainJSON(
      pod('pvc-a', 'pvc-b'),
      [node('node-a'), node('node-b')],
      [pvc('pvc-a', WAIT_SC, { boundPV: 'pv-a' }), pvc('pvc-b', WAIT_SC, { boundPV: 'pv-b' })],
      [pv('pv-a', WAIT_SC, aff), pv('pv-b', WAIT_SC, aff)],
    );
    expect(summary(r)).toEqual({ nodes: [fit('node-a', 0), unfit('node-b', ErrReasonNodeConflict)] });
  });

  it('volume_binding_test TestVolumeBinding: "PVC does not exist" (rejection repeated per node: documented)', () => {
    rejectedEverywhere(explainJSON(pod('pvc-a'), [node('node-a')], [], []), 'persistentvolumeclaim "pvc-a" not found', ['node-a']);
  });

  it('volume_binding_test TestVolumeBinding: "Part of PVCs do not exist" (rejection repeated per node: documented)', () => {
    const r = explainJSON(pod('pvc-a', 'pvc-b'), [node('node-a')], [pvc('pvc-a', WAIT_SC, { boundPV: 'pv-a' })], []);
    rejectedEverywhere(r, 'persistentvolumeclaim "pvc-b" not found', ['node-a']);
  });

  it('volume_binding_test TestVolumeBinding: "immediate claims not bound" (rejection repeated per node: documented)', () => {
    rejectedEverywhere(explainJSON(pod('pvc-a'), [node('node-a')], [pvc('pvc-a', IMMEDIATE_SC)], []), ErrReasonUnboundImmediate, ['node-a']);
  });

  it('volume_binding_test TestVolumeBinding: "unbound claims no matches"', () => {
    const r = explainJSON(pod('pvc-a'), [node('node-a')], [pvc('pvc-a', WAIT_SC)], []);
    expect(summary(r)).toEqual({ nodes: [unfit('node-a', ErrReasonBindConflict)] });
  });

  it('volume_binding_test TestVolumeBinding: "bound and unbound unsatisfied"', () => {
    const r = explainJSON(
      pod('pvc-a', 'pvc-b'),
      [node('node-a', { foo: 'barbar' })],
      [pvc('pvc-a', WAIT_SC, { boundPV: 'pv-a' }), pvc('pvc-b', WAIT_SC)],
      [pv('pv-a', WAIT_SC, { phase: 'Available', affinity: { foo: ['bar'] } })],
    );
    expect(summary(r)).toEqual({ nodes: [unfit('node-a', ErrReasonNodeConflict, ErrReasonBindConflict)] });
  });

  it('volume_binding_test TestVolumeBinding: "pvc not found" (rejection repeated per node: documented)', () => {
    rejectedEverywhere(explainJSON(pod('pvc-a'), [node('node-a')], [], []), 'persistentvolumeclaim "pvc-a" not found', ['node-a']);
  });

  it('volume_binding_test TestVolumeBinding: "pv not found"', () => {
    const r = explainJSON(pod('pvc-a'), [node('node-a')], [pvc('pvc-a', WAIT_SC, { boundPV: 'pv-a' })], []);
    expect(summary(r)).toEqual({ nodes: [unfit('node-a', ErrReasonPVNotExist)] });
  });

  it('volume_binding_test TestVolumeBinding: "pv not found claim lost" (rejection repeated per node: documented)', () => {
    const r = explainJSON(pod('pvc-a'), [node('node-a')], [pvc('pvc-a', WAIT_SC, { boundPV: 'pv-a', phase: 'Lost' })], []);
    rejectedEverywhere(r, 'persistentvolumeclaim "pvc-a" bound to non-existent persistentvolume "pv-a"', ['node-a']);
  });

  const hostPV = (name: string, cls: string, capacity: string, host: string): PersistentVolume =>
    pv(name, cls, { phase: 'Available', capacity, affinity: { [HOST]: [host] } });
  const closeCapacityPVs = [hostPV('pv-a-0', WAIT_SC, '200Gi', 'node-a'), hostPV('pv-a-1', WAIT_SC, '200Gi', 'node-a'), hostPV('pv-b-0', WAIT_SC, '100Gi', 'node-b'), hostPV('pv-b-1', WAIT_SC, '100Gi', 'node-b')];
  const threeNodes = [node('node-a'), node('node-b'), node('node-c')];

  it('volume_binding_test TestVolumeBinding: "local volumes with close capacity are preferred" (tie pv-a-0/pv-a-1 → smallest name: documented)', () => {
    const r = explainJSON(pod('pvc-a'), threeNodes, [pvc('pvc-a', WAIT_SC, { request: '50Gi' })], closeCapacityPVs, capacityPriority(BINPACK_SHAPE));
    expect(summary(r)).toEqual({
      nodes: [fit('node-a', 25, [bind('pvc-a', 'pv-a-0')]), fit('node-b', 50, [bind('pvc-a', 'pv-b-0')]), unfit('node-c', ErrReasonBindConflict)],
    });
  });

  it('volume_binding_test TestVolumeBinding: "local volumes with close capacity are preferred" under the 1.37 default shape (StorageCapacityScoring, R7.5)', () => {
    const r = explainJSON(pod('pvc-a'), threeNodes, [pvc('pvc-a', WAIT_SC, { request: '50Gi' })], closeCapacityPVs);
    expect(summary(r).nodes.map((n) => n.score)).toEqual([75, 50, null]);
  });

  it('volume_binding_test TestVolumeBinding: "local volumes with close capacity are preferred (multiple pvcs)"', () => {
    const pvs = [
      hostPV('pv-a-0', WAIT_SC, '200Gi', 'node-a'),
      hostPV('pv-a-1', WAIT_SC, '200Gi', 'node-a'),
      hostPV('pv-a-2', WAIT_HDD_SC, '200Gi', 'node-a'),
      hostPV('pv-a-3', WAIT_HDD_SC, '200Gi', 'node-a'),
      hostPV('pv-b-0', WAIT_SC, '100Gi', 'node-b'),
      hostPV('pv-b-1', WAIT_SC, '100Gi', 'node-b'),
      hostPV('pv-b-2', WAIT_HDD_SC, '100Gi', 'node-b'),
      hostPV('pv-b-3', WAIT_HDD_SC, '100Gi', 'node-b'),
    ];
    const r = explainJSON(
      pod('pvc-0', 'pvc-1'),
      threeNodes,
      [pvc('pvc-0', WAIT_SC, { request: '50Gi' }), pvc('pvc-1', WAIT_HDD_SC, { request: '100Gi' })],
      pvs,
      capacityPriority(BINPACK_SHAPE),
    );
    expect(summary(r)).toEqual({
      nodes: [
        fit('node-a', 38, [bind('pvc-0', 'pv-a-0'), bind('pvc-1', 'pv-a-2')]),
        fit('node-b', 75, [bind('pvc-0', 'pv-b-0'), bind('pvc-1', 'pv-b-2')]),
        unfit('node-c', ErrReasonBindConflict),
      ],
    });
  });

  const zoneNodes = ['a', 'b', 'c'].flatMap((z) => ['a', 'b'].map((n) => node(`zone-${z}-node-${n}`, { [REGION]: `region-${z}`, [ZONE]: `zone-${z}` })));
  const zonePV = (name: string, capacity: string, z: string): PersistentVolume =>
    pv(name, WAIT_SC, { phase: 'Available', capacity, affinity: { [REGION]: [`region-${z}`], [ZONE]: [`zone-${z}`] } });
  const zonePVs = [zonePV('pv-a-0', '200Gi', 'a'), zonePV('pv-a-1', '200Gi', 'a'), zonePV('pv-b-0', '100Gi', 'b'), zonePV('pv-b-1', '100Gi', 'b')];

  it('volume_binding_test TestVolumeBinding: "zonal volumes with close capacity are preferred"', () => {
    const r = explainJSON(pod('pvc-a'), zoneNodes, [pvc('pvc-a', WAIT_SC, { request: '50Gi' })], zonePVs, capacityPriority(BINPACK_SHAPE));
    expect(summary(r)).toEqual({
      nodes: [
        fit('zone-a-node-a', 25, [bind('pvc-a', 'pv-a-0')]),
        fit('zone-a-node-b', 25, [bind('pvc-a', 'pv-a-0')]),
        fit('zone-b-node-a', 50, [bind('pvc-a', 'pv-b-0')]),
        fit('zone-b-node-b', 50, [bind('pvc-a', 'pv-b-0')]),
        unfit('zone-c-node-a', ErrReasonBindConflict),
        unfit('zone-c-node-b', ErrReasonBindConflict),
      ],
    });
  });

  it('volume_binding_test TestVolumeBinding: "zonal volumes with close capacity are preferred (custom shape)"', () => {
    const shape: ShapePoint[] = [
      { utilization: 0, score: 0 },
      { utilization: 50, score: 3 },
      { utilization: 100, score: 5 },
    ];
    const r = explainJSON(pod('pvc-a'), zoneNodes, [pvc('pvc-a', WAIT_SC, { request: '50Gi' })], zonePVs, capacityPriority(shape));
    expect(summary(r).nodes.map((n) => [n.name, n.fits, n.reasons, n.score])).toEqual([
      ['zone-a-node-a', true, [], 15],
      ['zone-a-node-b', true, [], 15],
      ['zone-b-node-a', true, [], 30],
      ['zone-b-node-b', true, [], 30],
      ['zone-c-node-a', false, [ErrReasonBindConflict], null],
      ['zone-c-node-b', false, [ErrReasonBindConflict], null],
    ]);
  });
});
