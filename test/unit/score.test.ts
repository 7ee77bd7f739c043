import { describe, expect, it } from 'vitest';
import { filterPod, type DynamicProvision, type StaticBinding } from '../../src/engine/filter.js';
import {
  brokenLinear,
  capacityScore,
  classResources,
  type ScoringPolicy,
  scoreNodes,
  type ShapePoint,
  spreadingScores,
  toExtenderPriority,
} from '../../src/engine/score.js';
import type { Pod } from '../../src/engine/types.js';
import {
  type Fixture,
  GiB,
  makeCapacity,
  makeDriver,
  makeNode,
  makePod,
  makePV,
  makePVC,
  makeSC,
  makeStore,
  PROVISIONER,
  readyClaims,
  WAIT_SC,
} from '../fixtures/builders.js';

const OLD_SHAPE: ShapePoint[] = [
  { utilization: 0, score: 0 },
  { utilization: 100, score: 10 },
];
const NEW_SHAPE: ShapePoint[] = [
  { utilization: 0, score: 10 },
  { utilization: 100, score: 0 },
];

function policy(over: { enabled?: boolean; dyn?: boolean; shape?: ShapePoint[]; spreading?: ScoringPolicy['spreading'] } = {}): ScoringPolicy {
  return {
    capacity: { enabled: over.enabled ?? true, scoreDynamicProvisions: over.dyn ?? false, shape: over.shape ?? OLD_SHAPE, weight: 1 },
    spreading: over.spreading ?? { enabled: false, topologyKeys: [], weight: 0 },
  };
}

describe('R7.4 BuildBrokenLinearFunction (shape)', () => {
  it.each<{ name: string; shape: ShapePoint[]; points: [number, number][] }>([
    {
      name: 'old default (bin-packing) shape',
      shape: OLD_SHAPE,
      points: [[0, 0], [25, 25], [50, 50], [99, 99], [100, 100]],
    },
    {
      name: 'StorageCapacityScoring default (most free space) shape',
      shape: NEW_SHAPE,
      points: [[0, 100], [30, 70], [100, 0]],
    },
    {
      name: 'integer division truncates (positive slope): 100*10/30 = 33.3 → 33, 66.6 → 66',
      shape: [{ utilization: 0, score: 0 }, { utilization: 30, score: 10 }],
      points: [[10, 33], [20, 66], [30, 100]],
    },
    {
      name: 'integer division truncates toward zero (negative slope): 100 + trunc(-33.3) = 67',
      shape: [{ utilization: 0, score: 10 }, { utilization: 30, score: 0 }],
      points: [[10, 67], [20, 34]],
    },
    {
      name: 'points beyond the ends are flat',
      shape: [{ utilization: 20, score: 2 }, { utilization: 80, score: 8 }],
      points: [[0, 20], [10, 20], [20, 20], [50, 50], [80, 80], [90, 80], [100, 80]],
    },
    {
      name: 'multi-segment: picks the right segment',
      shape: [{ utilization: 0, score: 0 }, { utilization: 50, score: 8 }, { utilization: 100, score: 10 }],
      points: [[25, 40], [50, 80], [75, 90], [100, 100]],
    },
    {
      name: 'single point is constant',
      shape: [{ utilization: 50, score: 3 }],
      points: [[0, 30], [50, 30], [100, 30]],
    },
    { name: 'empty shape scores 0', shape: [], points: [[0, 0], [100, 0]] },
  ])('$name', ({ shape, points }) => {
    const f = brokenLinear(shape);
    expect(points.map(([u]) => f(u))).toEqual(points.map(([, s]) => s));
  });
});

describe('R7.4 utilization and node score', () => {
  const linear = brokenLinear(OLD_SHAPE);
  const one = (requested: number, capacity: number): number => capacityScore(new Map([['c', { requested, capacity }]]), linear);

  it.each([
    { name: 'requested/capacity percent', requested: 50, capacity: 200, want: 25 },
    { name: 'floor, not round: 2/3 → 66', requested: 2, capacity: 3, want: 66 },
    { name: 'floor: 1/3 → 33', requested: 1, capacity: 3, want: 33 },
    { name: 'floor just below 100: 999/1000 → 99', requested: 999, capacity: 1000, want: 99 },
    { name: 'requested 0 → 0%', requested: 0, capacity: 100, want: 0 },
    { name: 'requested > capacity → 100%', requested: 300, capacity: 200, want: 100 },
    { name: 'zero capacity → 100%', requested: 0, capacity: 0, want: 100 },
    { name: 'zero capacity with a request → 100%', requested: 5, capacity: 0, want: 100 },
    { name: 'byte-sized values (50Gi of 200Gi)', requested: 50 * GiB, capacity: 200 * GiB, want: 25 },
  ])('$name → $want', ({ requested, capacity, want }) => {
    expect(one(requested, capacity)).toBe(want);
  });

  it('zero capacity with the most-free-space shape scores 0 (100% utilized)', () => {
    expect(capacityScore(new Map([['c', { requested: 0, capacity: 0 }]]), brokenLinear(NEW_SHAPE))).toBe(0);
  });

  it.each([
    { name: 'mean of 25 and 50 = 37.5 → 38', classes: [[50, 200], [100, 200]], want: 38 },
    { name: 'mean of 0 and 25 = 12.5 → 13 (half away from zero, not to even)', classes: [[0, 10], [25, 100]], want: 13 },
    { name: 'mean of 50 and 100 = 75', classes: [[50, 100], [100, 100]], want: 75 },
    { name: 'mean of 33, 33, 34 = 33.33 → 33', classes: [[1, 3], [1, 3], [34, 100]], want: 33 },
    { name: 'no classes → 0', classes: [], want: 0 },
  ])('$name', ({ classes, want }) => {
    const m = new Map(classes.map(([r, c], i) => [`class-${i}`, { requested: r!, capacity: c! }]));
    expect(capacityScore(m, linear)).toBe(want);
  });
});

describe('R7.3 classResources', () => {
  // Build real StaticBinding / DynamicProvision objects from a store.
  const store = makeStore(
    makeSC(WAIT_SC),
    makeSC('other'),
    makePVC('c1', WAIT_SC).withRequest('50Gi'),
    makePVC('c2', WAIT_SC).withRequest('30Gi'),
    makePVC('c3', 'other').withRequest('10Gi'),
    makePV('pv-1', WAIT_SC).withCapacity('100Gi'),
    makePV('pv-2', WAIT_SC).withCapacity('60Gi'),
    makePV('pv-3', 'other').withCapacity('20Gi'),
    makeCapacity('cap', WAIT_SC, '500Gi'),
    makeCapacity('cap-nil', WAIT_SC, null).withMaximumVolumeSize('1Ti'),
  );
  const claims = readyClaims(makePod('p').withPVCs('c1', 'c2', 'c3').build(), store);
  const c = (n: string) => claims.claims.find((x) => x.name === n)!;
  const cap = [...store.capacityClass(WAIT_SC).all()].find((e) => e.key === 'kube-system/cap')!;
  const capNil = [...store.capacityClass(WAIT_SC).all()].find((e) => e.key === 'kube-system/cap-nil')!;
  const statics: StaticBinding[] = [
    { claim: c('c1'), pv: store.pv('pv-1')! },
    { claim: c('c2'), pv: store.pv('pv-2')! },
    { claim: c('c3'), pv: store.pv('pv-3')! },
  ];
  const provs: DynamicProvision[] = [
    { claim: c('c1'), capacity: cap },
    { claim: c('c2'), capacity: cap },
    { claim: c('c3'), capacity: undefined },
  ];
  const plain = (m: Map<string, { requested: number; capacity: number }>) => Object.fromEntries([...m].map(([k, v]) => [k, [v.requested / GiB, v.capacity / GiB]]));

  it('static bindings: requests and PV capacities summed per PV class', () => {
    expect(plain(classResources(statics, [], false))).toEqual({ [WAIT_SC]: [80, 160], other: [10, 20] });
  });

  it('static bindings win over provisions even with StorageCapacityScoring', () => {
    expect(plain(classResources(statics.slice(0, 1), provs, true))).toEqual({ [WAIT_SC]: [50, 100] });
  });

  it('StorageCapacityScoring off: provisions are ignored', () => {
    expect(plain(classResources([], provs, false))).toEqual({});
  });

  it('dynamic provisions: capacity assigned (not summed), requests summed, no-capacity provisions skipped', () => {
    expect(plain(classResources([], provs, true))).toEqual({ [WAIT_SC]: [80, 500] });
  });

  it('a capacity object without capacity (only maximumVolumeSize) counts as none', () => {
    expect(plain(classResources([], [{ claim: c('c1'), capacity: capNil }], true))).toEqual({});
  });

  it('static bucket is the PV spec.storageClassName (beta annotation not consulted)', () => {
    const s = makeStore(makePV('pv-x', 'spec-class').withAnnotation('volume.beta.kubernetes.io/storage-class', 'beta-class').withCapacity('10Gi'));
    const pv = s.pv('pv-x')!;
    expect(pv.className).toBe('beta-class');
    expect(plain(classResources([{ claim: c('c1'), pv }], [], false))).toEqual({ 'spec-class': [50, 10] });
  });
});

describe('R7 scoreNodes end to end (upstream TestVolumeBinding score cases)', () => {
  const NOPROV = 'local';
  const nodes = [makeNode('node-a'), makeNode('node-b'), makeNode('node-c')];
  const host = (n: string) => ({ 'kubernetes.io/hostname': [n] });
  const base: Fixture[] = [makeSC(NOPROV, 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner'), ...nodes];

  function run(pod: Pod, fixtures: Fixture[], pol: ScoringPolicy): (number | null)[] {
    const store = makeStore(...base, ...fixtures);
    const nl = nodes.map((n) => n.like());
    const d = filterPod(pod, nl, store);
    return scoreNodes(pod, d, nl, pol, store);
  }

  it('local volumes with close capacity are preferred: node-a 200Gi → 25, node-b 100Gi → 50, node-c filtered', () => {
    const scores = run(
      makePod('p').withPVCs('pvc-50').build(),
      [
        makePVC('pvc-50', NOPROV).withRequest('50Gi'),
        makePV('pv-a-0', NOPROV).withCapacity('200Gi').withNodeAffinity(host('node-a')),
        makePV('pv-a-1', NOPROV).withCapacity('200Gi').withNodeAffinity(host('node-a')),
        makePV('pv-b-0', NOPROV).withCapacity('100Gi').withNodeAffinity(host('node-b')),
        makePV('pv-b-1', NOPROV).withCapacity('100Gi').withNodeAffinity(host('node-b')),
      ],
      policy(),
    );
    expect(scores).toEqual([25, 50, null]);
    expect(scores.map(toExtenderPriority)).toEqual([3, 5, 0]);
  });

  it('local volumes with close capacity are preferred (multiple pvcs): node-a 38, node-b 75', () => {
    const scores = run(
      makePod('p').withPVCs('pvc-50', 'pvc-100').build(),
      [
        makeSC('local-b', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner'),
        makePVC('pvc-50', NOPROV).withRequest('50Gi'),
        makePVC('pvc-100', 'local-b').withRequest('100Gi'),
        makePV('pv-a-0', NOPROV).withCapacity('200Gi').withNodeAffinity(host('node-a')),
        makePV('pv-a-1', 'local-b').withCapacity('200Gi').withNodeAffinity(host('node-a')),
        makePV('pv-b-0', NOPROV).withCapacity('100Gi').withNodeAffinity(host('node-b')),
        makePV('pv-b-1', 'local-b').withCapacity('100Gi').withNodeAffinity(host('node-b')),
      ],
      policy(),
    );
    expect(scores).toEqual([38, 75, null]);
  });

  const dynamic: Fixture[] = [
    makeSC(WAIT_SC),
    makeDriver(PROVISIONER),
    makeCapacity('cap-a', WAIT_SC, '100Gi', { 'kubernetes.io/hostname': 'node-a' }),
    makeCapacity('cap-b', WAIT_SC, '50Gi', { 'kubernetes.io/hostname': 'node-b' }),
  ];

  it('StorageCapacityScoring: dynamic provisions scored from the CSIStorageCapacity (most free space wins)', () => {
    const scores = run(makePod('p').withPVCs('c').build(), [...dynamic, makePVC('c', WAIT_SC).withRequest('10Gi')], policy({ dyn: true, shape: NEW_SHAPE }));
    // node-a 10/100 = 10% → 90; node-b 10/50 = 20% → 80; node-c has no capacity → does not fit.
    expect(scores).toEqual([90, 80, null]);
  });

  it('StorageCapacityScoring: two claims of one class use the capacity once (assigned, not summed)', () => {
    const scores = run(
      makePod('p').withPVCs('c1', 'c2').build(),
      [...dynamic, makePVC('c1', WAIT_SC).withRequest('10Gi'), makePVC('c2', WAIT_SC).withRequest('10Gi')],
      policy({ dyn: true, shape: NEW_SHAPE }),
    );
    // node-a 20/100 → 80 (summing capacity would give 20/200 → 90); node-b 20/50 → 60.
    expect(scores).toEqual([80, 60, null]);
  });

  it('PreScore skip: StorageCapacityScoring off and no node had static bindings → 0 for fitting nodes', () => {
    const scores = run(makePod('p').withPVCs('c').build(), [...dynamic, makePVC('c', WAIT_SC).withRequest('10Gi')], policy({ dyn: false }));
    expect(scores).toEqual([0, 0, null]);
  });

  it('PreScore runs when some node had static bindings; a provision-only node then scores 0', () => {
    const scores = run(
      makePod('p').withPVCs('c').build(),
      [makeSC(WAIT_SC), makePVC('c', WAIT_SC).withRequest('50Gi'), makePV('pv-a', WAIT_SC).withCapacity('100Gi').withNodeAffinity(host('node-a'))],
      policy({ dyn: false }),
    );
    expect(scores).toEqual([50, 0, 0]);
  });

  it('scoring off (capacity disabled, spreading disabled) → null for every node', () => {
    const scores = run(makePod('p').withPVCs('pvc-50').build(), [makePVC('pvc-50', NOPROV), makePV('pv', NOPROV)], policy({ enabled: false }));
    expect(scores).toEqual([null, null, null]);
  });

  it('non-evaluated decisions: unschedulable → null, skip (no PVCs) → 0', () => {
    expect(run(makePod('p').withPVCs('missing').build(), [], policy())).toEqual([null, null, null]);
    expect(run(makePod('p').build(), [], policy())).toEqual([0, 0, 0]);
  });
});

describe('spreading component', () => {
  const ZONE = 'topology.kubernetes.io/zone';
  const nodes = [makeNode('node-a', { [ZONE]: 'z1' }), makeNode('node-b', { [ZONE]: 'z2' }), makeNode('node-c')];
  const sibling = makePod('sib-0').withController('ss-uid').onNode('node-a');
  const store = makeStore(...nodes, sibling);
  const pod = makePod('web-1').withController('ss-uid').build();

  it('prefers domains without siblings; nodes lacking the key score 0', () => {
    expect(spreadingScores(pod, nodes.map((n) => n.like()), [ZONE], store)).toEqual([0, 100, 0]);
  });

  it('pods without a controller are not spread (all 100)', () => {
    expect(spreadingScores(makePod('x').build(), nodes.map((n) => n.like()), [ZONE], store)).toEqual([100, 100, 100]);
  });

  it('combines with capacity by weight', () => {
    const s = makeStore(...nodes, sibling, makeSC('local', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner'), makePVC('c', 'local').withRequest('50Gi'), makePV('pv', 'local').withCapacity('100Gi'));
    const p = makePod('web-1').withController('ss-uid').withPVCs('c').build();
    const nl = nodes.map((n) => n.like());
    const d = filterPod(p, nl, s);
    const pol: ScoringPolicy = {
      capacity: { enabled: true, scoreDynamicProvisions: false, shape: OLD_SHAPE, weight: 1 },
      spreading: { enabled: true, topologyKeys: [ZONE], weight: 1 },
    };
    // capacity 50 everywhere; spreading 0 / 100 / 0 → (50+0)/2=25, (50+100)/2=75, 25.
    expect(scoreNodes(p, d, nl, pol, s)).toEqual([25, 75, 25]);
  });
});

describe('R16.2 toExtenderPriority', () => {
  it.each([
    { score: null, want: 0 },
    { score: 0, want: 0 },
    { score: 4, want: 0 },
    { score: 5, want: 1 },
    { score: 44, want: 4 },
    { score: 45, want: 5 },
    { score: 100, want: 10 },
    { score: 250, want: 10 },
    { score: -30, want: 0 },
  ])('$score → $want', ({ score, want }) => {
    expect(toExtenderPriority(score)).toBe(want);
  });
});
