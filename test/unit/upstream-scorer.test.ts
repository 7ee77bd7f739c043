/**
 * Scoring cases derived from upstream:
 * - pkg/scheduler/framework/plugins/volumebinding/scorer_test.go (TestScore): each classResources
 *   map is rebuilt as a pod whose claims bind statically, one PV per class, so the map the
 *   scorer sees is exactly the upstream one;
 * - test/integration/volumescheduling/storage_capacity_scoring_test.go (TestStorageCapacityScoring,
 *   TestStorageCapacityScoringMultiDriver): the node the scheduler picks must carry the highest
 *   score; exact scores follow R7.3/R7.4 with the 1.37 default shape;
 * - the StorageCapacityScoring branch of volume_binding.go Score (capacity assigned, not summed).
 * Everything runs through the `explain` JSON report (explainPod on a ClusterStore of plain objects).
 */
import { describe, expect, it } from 'vitest';
import type { Kind } from '../../src/cluster/store.js';
import type { ScoringPolicy, ShapePoint } from '../../src/engine/score.js';
import { ErrReasonBindConflict, ErrReasonNotEnoughSpace } from '../../src/engine/reasons.js';
import type { CSIDriver, CSIStorageCapacity, KubeObject, Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../src/engine/types.js';
import { type ExplainReport, explainPod } from '../../src/explain.js';
import { defaultPolicy } from '../../src/policy/policy.js';
import { type Fixture, makeStore } from '../fixtures/builders.js';

const NS = 'default';
const HOST = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
const REGION = 'topology.kubernetes.io/region';
const K = (kind: Kind, o: KubeObject): Fixture => [kind, structuredClone(o)] as const;

function sc(name: string, provisioner = 'kubernetes.io/no-provisioner'): StorageClass {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, volumeBindingMode: 'WaitForFirstConsumer', provisioner };
}
function node(name: string, labels: Record<string, string> = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { [HOST]: name, ...labels } } };
}
function pv(name: string, className: string, capacity: string, affinity: Record<string, string>): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      storageClassName: className,
      capacity: { storage: capacity },
      accessModes: ['ReadWriteOnce'],
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: Object.entries(affinity).map(([key, v]) => ({ key, operator: 'In', values: [v] })) }] } },
    },
    status: { phase: 'Available' },
  };
}
function pvc(name: string, className: string, request: string): PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: NS },
    spec: { storageClassName: className, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: request } } },
  };
}
function pod(name: string, claims: string[]): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS }, spec: { volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) } };
}
function driver(name: string, storageCapacity: boolean): CSIDriver {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name }, spec: { storageCapacity } };
}
function capacity(name: string, className: string, zone: string, cap: string): CSIStorageCapacity {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'CSIStorageCapacity', metadata: { name, namespace: NS }, storageClassName: className, nodeTopology: { matchLabels: { [ZONE]: zone } }, capacity: cap };
}

function policy(shape: readonly ShapePoint[], scoreDynamicProvisions: boolean): ScoringPolicy {
  return { capacity: { enabled: true, scoreDynamicProvisions, shape, weight: 1 }, spreading: { enabled: false, topologyKeys: [], weight: 1 } };
}

function explainJSON(p: Pod, fixtures: Fixture[], pol: ScoringPolicy = defaultPolicy().scoring): ExplainReport {
  const store = makeStore(K('Pod', p), ...fixtures);
  const { report } = explainPod(store, `${NS}/${p.metadata!.name!}`, pol);
  return JSON.parse(JSON.stringify(report)) as ExplainReport;
}

const scores = (r: ExplainReport): Record<string, number | null> => Object.fromEntries(r.nodes.map((n) => [n.name, n.score]));
const best = (r: ExplainReport): string => {
  const fitting = r.nodes.filter((n) => n.fits && n.score !== null);
  const max = Math.max(...fitting.map((n) => n.score!));
  const top = fitting.filter((n) => n.score === max).map((n) => n.name);
  expect(top).toHaveLength(1);
  return top[0]!;
};

// ---- scorer_test TestScore ------------------------------------------------------------------

describe('scorer_test TestScore', () => {
  const DEFAULT_SHAPE: ShapePoint[] = [
    { utilization: 0, score: 0 },
    { utilization: 100, score: 10 },
  ];
  // Upstream gives this shape on the 0–100 scale ({50,0},{80,30},{100,50}); policies use 0–10.
  const CUSTOM_SHAPE: ShapePoint[] = [
    { utilization: 50, score: 0 },
    { utilization: 80, score: 3 },
    { utilization: 100, score: 5 },
  ];

  /** One node; per class one claim requesting `requested`Gi and one PV of `capacity`Gi there. */
  function scoreFor(classes: Record<string, [number, number]>, shape: ShapePoint[]): number | null {
    const fixtures: Fixture[] = [K('Node', node('node-a'))];
    const claims: string[] = [];
    for (const [cls, [requested, cap]] of Object.entries(classes)) {
      fixtures.push(K('StorageClass', sc(cls)), K('PersistentVolume', pv(`pv-${cls}`, cls, `${cap}Gi`, { [HOST]: 'node-a' })), K('PersistentVolumeClaim', pvc(`pvc-${cls}`, cls, `${requested}Gi`)));
      claims.push(`pvc-${cls}`);
    }
    const r = explainJSON(pod('pod', claims), fixtures, policy(shape, false));
    expect(r.nodes[0]!.fits).toBe(true);
    expect(r.nodes[0]!.staticBindings).toHaveLength(claims.length);
    return r.nodes[0]!.score;
  }

  const tests: { name: string; shape: ShapePoint[]; cases: [Record<string, [number, number]>, number][] }[] = [
    {
      name: 'default shape, single class',
      shape: DEFAULT_SHAPE,
      cases: [
        [{ hdd: [0, 100] }, 0],
        [{ hdd: [30, 100] }, 30],
        [{ hdd: [50, 100] }, 50],
        [{ hdd: [100, 100] }, 100],
      ],
    },
    {
      name: 'default shape, multiple classes',
      shape: DEFAULT_SHAPE,
      cases: [
        [{ hdd: [0, 100], ssd: [0, 100] }, 0],
        [{ hdd: [0, 100], ssd: [30, 100] }, 15],
        [{ hdd: [30, 100], ssd: [30, 100] }, 30],
        [{ hdd: [30, 100], ssd: [60, 100] }, 45],
        [{ hdd: [50, 100], ssd: [50, 100] }, 50],
        [{ hdd: [50, 100], ssd: [100, 100] }, 75],
        [{ hdd: [100, 100], ssd: [100, 100] }, 100],
      ],
    },
    {
      name: 'custom shape, multiple classes',
      shape: CUSTOM_SHAPE,
      cases: [
        [{ hdd: [0, 100], ssd: [0, 100] }, 0],
        [{ hdd: [0, 100], ssd: [30, 100] }, 0],
        [{ hdd: [30, 100], ssd: [30, 100] }, 0],
        [{ hdd: [30, 100], ssd: [60, 100] }, 5],
        [{ hdd: [50, 100], ssd: [100, 100] }, 25],
        [{ hdd: [90, 100], ssd: [90, 100] }, 40],
        [{ hdd: [100, 100], ssd: [100, 100] }, 50],
      ],
    },
  ];
  for (const t of tests) {
    describe(t.name, () => {
      for (const [classes, want] of t.cases) {
        const label = Object.entries(classes)
          .map(([c, [r, cap]]) => `${c} ${r}/${cap}`)
          .join(', ');
        it(`scorer_test TestScore: "${t.name}" (${label}) → ${want}`, () => {
          expect(scoreFor(classes, t.shape)).toBe(want);
        });
      }
    });
  }
});

// ---- storage_capacity_scoring_test TestStorageCapacityScoring --------------------------------

describe('storage_capacity_scoring_test TestStorageCapacityScoring (default 1.37 policy: most free space preferred)', () => {
  const SSD = 'ssd';
  const HDD = 'hdd';
  const nodes = [node('node-0'), node('node-1'), node('node-2')];
  const onHost = (name: string, cls: string, cap: string, host: string): PersistentVolume => pv(name, cls, cap, { [HOST]: host });
  const base = (...extra: Fixture[]): Fixture[] => [K('StorageClass', sc(SSD)), K('StorageClass', sc(HDD)), ...nodes.map((n) => K('Node', n)), ...extra];
  const onePerClass = (classes: [string, string, string, string, string, string]): PersistentVolume[] => [
    onHost('pv-0', classes[0], '200Gi', 'node-0'),
    onHost('pv-1', classes[1], '200Gi', 'node-0'),
    onHost('pv-2', classes[2], '100Gi', 'node-1'),
    onHost('pv-3', classes[3], '100Gi', 'node-1'),
    onHost('pv-4', classes[4], '100Gi', 'node-2'),
    onHost('pv-5', classes[5], '50Gi', 'node-2'),
  ];

  it('storage_capacity_scoring_test TestStorageCapacityScoring: "local volumes with max capacity are preferred"', () => {
    const pvs = onePerClass([SSD, SSD, SSD, SSD, SSD, SSD]);
    const r = explainJSON(pod('pod', ['data']), base(...pvs.map((v) => K('PersistentVolume', v)), K('PersistentVolumeClaim', pvc('data', SSD, '20Gi'))));
    expect(r.nodes.map((n) => [n.name, n.staticBindings.map((b) => b.volume)])).toEqual([
      ['node-0', ['pv-0']],
      ['node-1', ['pv-2']],
      ['node-2', ['pv-5']],
    ]);
    expect(scores(r)).toEqual({ 'node-0': 90, 'node-1': 80, 'node-2': 60 });
    expect(best(r)).toBe('node-0');
  });

  it('storage_capacity_scoring_test TestStorageCapacityScoring: "local volumes with max capacity are preferred (multiple pvcs)"', () => {
    const pvs = onePerClass([SSD, SSD, SSD, SSD, SSD, SSD]);
    const r = explainJSON(
      pod('pod', ['data-0', 'data-1']),
      base(...pvs.map((v) => K('PersistentVolume', v)), K('PersistentVolumeClaim', pvc('data-0', SSD, '80Gi')), K('PersistentVolumeClaim', pvc('data-1', SSD, '80Gi'))),
    );
    expect(r.nodes.map((n) => [n.name, n.reasons])).toEqual([
      ['node-0', []],
      ['node-1', []],
      ['node-2', [ErrReasonBindConflict]],
    ]);
    expect(scores(r)).toEqual({ 'node-0': 60, 'node-1': 20, 'node-2': null });
    expect(best(r)).toBe('node-0');
  });

  it('storage_capacity_scoring_test TestStorageCapacityScoring: "local volumes with max capacity are preferred (multiple pvcs, multiple classes)"', () => {
    const pvs = onePerClass([SSD, HDD, SSD, HDD, SSD, HDD]);
    const r = explainJSON(
      pod('pod', ['data-0', 'data-1']),
      base(...pvs.map((v) => K('PersistentVolume', v)), K('PersistentVolumeClaim', pvc('data-0', SSD, '80Gi')), K('PersistentVolumeClaim', pvc('data-1', HDD, '80Gi'))),
    );
    expect(scores(r)).toEqual({ 'node-0': 60, 'node-1': 20, 'node-2': null });
    expect(r.nodes[2]!.reasons).toEqual([ErrReasonBindConflict]);
    expect(best(r)).toBe('node-0');
  });

  it('storage_capacity_scoring_test TestStorageCapacityScoring: "zonal volumes with max capacity are preferred (multiple pvcs, multiple classes)"', () => {
    const zoned = nodes.map((n, i) => node(n.metadata!.name!, { [REGION]: `region-${'abc'[i]!}`, [ZONE]: `zone-${'abc'[i]!}` }));
    const zpv = (name: string, cls: string, cap: string, z: string): PersistentVolume => pv(name, cls, cap, { [REGION]: `region-${z}`, [ZONE]: `zone-${z}` });
    const pvs = [zpv('pv-0', SSD, '200Gi', 'a'), zpv('pv-1', HDD, '200Gi', 'a'), zpv('pv-2', SSD, '100Gi', 'b'), zpv('pv-3', HDD, '100Gi', 'b'), zpv('pv-4', SSD, '100Gi', 'c'), zpv('pv-5', HDD, '50Gi', 'c')];
    const r = explainJSON(pod('pod', ['data-0', 'data-1']), [
      K('StorageClass', sc(SSD)),
      K('StorageClass', sc(HDD)),
      ...zoned.map((n) => K('Node', n)),
      ...pvs.map((v) => K('PersistentVolume', v)),
      K('PersistentVolumeClaim', pvc('data-0', SSD, '80Gi')),
      K('PersistentVolumeClaim', pvc('data-1', HDD, '80Gi')),
    ]);
    expect(scores(r)).toEqual({ 'node-0': 60, 'node-1': 20, 'node-2': null });
    expect(best(r)).toBe('node-0');
  });
});

// ---- storage_capacity_scoring_test TestStorageCapacityScoringMultiDriver ----------------------

describe('storage_capacity_scoring_test TestStorageCapacityScoringMultiDriver (dynamic provisions scored from CSIStorageCapacity)', () => {
  const nodes = [node('node-1', { [ZONE]: 'zone-a' }), node('node-2', { [ZONE]: 'zone-b' })];
  // The integration test's claims carry the helper's default size; 5Gi here (any size ≤ 6Gi
  // gives the same preference).
  const REQUEST = '5Gi';

  it('storage_capacity_scoring_test TestStorageCapacityScoringMultiDriver: "multiple CSI drivers with storage capacity reporting enabled"', () => {
    const fixtures: Fixture[] = [
      ...nodes.map((n) => K('Node', n)),
      K('StorageClass', sc('wait-driver-a', 'mock-driver-a.kubernetes.io')),
      K('StorageClass', sc('wait-driver-b', 'mock-driver-b.kubernetes.io')),
      K('CSIDriver', driver('mock-driver-a.kubernetes.io', true)),
      K('CSIDriver', driver('mock-driver-b.kubernetes.io', true)),
      K('CSIStorageCapacity', capacity('driver-a-capacity-zone-a', 'wait-driver-a', 'zone-a', '12Gi')),
      K('CSIStorageCapacity', capacity('driver-a-capacity-zone-b', 'wait-driver-a', 'zone-b', '6Gi')),
      K('CSIStorageCapacity', capacity('driver-b-capacity-zone-a', 'wait-driver-b', 'zone-a', '6Gi')),
      K('CSIStorageCapacity', capacity('driver-b-capacity-zone-b', 'wait-driver-b', 'zone-b', '12Gi')),
      K('PersistentVolumeClaim', pvc('pvc-driver-a', 'wait-driver-a', REQUEST)),
      K('PersistentVolumeClaim', pvc('pvc-driver-b', 'wait-driver-b', REQUEST)),
    ];
    const a = explainJSON(pod('pod-driver-a', ['pvc-driver-a']), fixtures);
    const b = explainJSON(pod('pod-driver-b', ['pvc-driver-b']), fixtures);
    expect(a.nodes.map((n) => [n.name, n.fits, n.provisions])).toEqual([
      ['node-1', true, ['default/pvc-driver-a']],
      ['node-2', true, ['default/pvc-driver-a']],
    ]);
    // u = floor(5*100/12) = 41 → 59; floor(5*100/6) = 83 → 17.
    expect(scores(a)).toEqual({ 'node-1': 59, 'node-2': 17 });
    expect(scores(b)).toEqual({ 'node-1': 17, 'node-2': 59 });
    expect(best(a)).toBe('node-1');
    expect(best(b)).toBe('node-2');
  });

  it('storage_capacity_scoring_test TestStorageCapacityScoringMultiDriver: "mixed CSI driver storage capacity reporting enabled and disabled"', () => {
    const fixtures: Fixture[] = [
      ...nodes.map((n) => K('Node', n)),
      K('StorageClass', sc('wait-driver-enabled', 'mock-driver-enabled.kubernetes.io')),
      K('StorageClass', sc('wait-driver-disabled', 'mock-driver-disabled.kubernetes.io')),
      K('CSIDriver', driver('mock-driver-enabled.kubernetes.io', true)),
      K('CSIDriver', driver('mock-driver-disabled.kubernetes.io', false)),
      K('CSIStorageCapacity', capacity('enabled-driver-capacity-zone-a', 'wait-driver-enabled', 'zone-a', '12Gi')),
      K('PersistentVolumeClaim', pvc('pvc-driver-enabled', 'wait-driver-enabled', REQUEST)),
      K('PersistentVolumeClaim', pvc('pvc-driver-disabled', 'wait-driver-disabled', REQUEST)),
    ];
    const enabled = explainJSON(pod('pod-driver-enabled', ['pvc-driver-enabled']), fixtures);
    expect(enabled.nodes.map((n) => [n.name, n.fits, n.reasons, n.score])).toEqual([
      ['node-1', true, [], 59],
      ['node-2', false, [ErrReasonNotEnoughSpace], null],
    ]);
    // Capacity not tracked: provisioning allowed everywhere, no capacity object → nothing to
    // score (upstream pins this pod to zone-b with a nodeSelector, outside volume binding).
    const disabled = explainJSON(pod('pod-driver-disabled', ['pvc-driver-disabled']), fixtures);
    expect(disabled.nodes.map((n) => [n.name, n.fits, n.provisions, n.score])).toEqual([
      ['node-1', true, ['default/pvc-driver-disabled'], 0],
      ['node-2', true, ['default/pvc-driver-disabled'], 0],
    ]);
  });
});

// ---- volume_binding.go Score, StorageCapacityScoring branch ----------------------------------

describe('volume_binding Score with StorageCapacityScoring (R7.3)', () => {
  const n1 = node('node-1', { [ZONE]: 'zone-a' });
  const dyn = (...extra: Fixture[]): Fixture[] => [
    K('Node', n1),
    K('StorageClass', sc('fast', 'csi.example.com')),
    K('CSIDriver', driver('csi.example.com', true)),
    K('CSIStorageCapacity', capacity('fast-zone-a', 'fast', 'zone-a', '100Gi')),
    ...extra,
  ];

  it('volume_binding Score: "two 50GB volumes from a StorageClass with 100GB" → capacity assigned, not summed (u=100 → 0)', () => {
    const r = explainJSON(pod('pod', ['d0', 'd1']), dyn(K('PersistentVolumeClaim', pvc('d0', 'fast', '50Gi')), K('PersistentVolumeClaim', pvc('d1', 'fast', '50Gi'))));
    expect(r.nodes[0]!.provisions).toEqual(['default/d0', 'default/d1']);
    expect(r.nodes[0]!.score).toBe(0);
  });

  it('volume_binding Score: a node with static bindings scores only them (provisions ignored)', () => {
    const r = explainJSON(
      pod('pod', ['s', 'd']),
      dyn(
        K('StorageClass', sc('local')),
        K('PersistentVolume', pv('pv-local', 'local', '100Gi', { [HOST]: 'node-1' })),
        K('PersistentVolumeClaim', pvc('s', 'local', '50Gi')),
        K('PersistentVolumeClaim', pvc('d', 'fast', '10Gi')),
      ),
    );
    expect(r.nodes[0]!.staticBindings).toEqual([{ claim: 'default/s', volume: 'pv-local' }]);
    expect(r.nodes[0]!.provisions).toEqual(['default/d']);
    expect(r.nodes[0]!.score).toBe(50);
  });

  it('volume_binding PreScore: VolumeCapacityPriority only (no StorageCapacityScoring) and no static binding anywhere → Skip (0)', () => {
    const r = explainJSON(pod('pod', ['d0']), dyn(K('PersistentVolumeClaim', pvc('d0', 'fast', '10Gi'))), policy([{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }], false));
    expect(r.nodes[0]!.fits).toBe(true);
    expect(r.nodes[0]!.score).toBe(0);
  });
});
