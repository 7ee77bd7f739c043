import { describe, expect, it } from 'vitest';
import type { PodClaims } from '../../src/engine/claims.js';
import { EngineError } from '../../src/engine/errors.js';
import { evaluateNode, filterPod, type PodDecision } from '../../src/engine/filter.js';
import { checkProvision } from '../../src/engine/provisioning.js';
import { ErrReasonBindConflict, ErrReasonNodeConflict, ErrReasonNotEnoughSpace, ErrReasonPVNotExist } from '../../src/engine/reasons.js';
import type { Pod } from '../../src/engine/types.js';
import type { ClusterView, StorageClassEntry } from '../../src/engine/view.js';
import {
  type Fixture,
  makeCapacity,
  makeDriver,
  makeNode,
  makePod,
  makePV,
  makePVC,
  makeSC,
  makeStore,
  type NodeBuilder,
  type PVBuilder,
  PROVISIONER,
  readyClaims,
  WAIT_SC,
} from '../fixtures/builders.js';
import { refFilterPod, type RefWorld } from '../fixtures/reference.js';

const ZONE = 'topology.kubernetes.io/zone';
const NODE_A = makeNode('node-a', { [ZONE]: 'z1' });
const NODE_B = makeNode('node-b', { [ZONE]: 'z2' });
const NODES = [NODE_A, NODE_B];
const HOST_A = { 'kubernetes.io/hostname': ['node-a'] };
const HOST_B = { 'kubernetes.io/hostname': ['node-b'] };
const NOPROV_SC = 'wait-noprov';

/** Fixed part of every fixture set: a WFFC class that provisions and one that cannot. */
const BASE: Fixture[] = [makeSC(WAIT_SC), makeSC(NOPROV_SC, 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner'), ...NODES];

interface NodeOutcome {
  fits: boolean;
  reasons: readonly string[];
  bindings: [string, string][];
  provisions: [string, string | null][];
}

function outcome(d: PodDecision): Record<string, NodeOutcome> {
  return Object.fromEntries(
    d.nodes.map((n) => [
      n.node,
      {
        fits: n.fits,
        reasons: n.reasons,
        bindings: n.staticBindings.map((b): [string, string] => [b.claim.name, b.pv.name]),
        provisions: n.provisions.map((p): [string, string | null] => [p.claim.name, p.capacity?.key ?? null]),
      },
    ]),
  );
}

const fit = (bindings: [string, string][] = [], provisions: [string, string | null][] = []): NodeOutcome => ({ fits: true, reasons: [], bindings, provisions });
const fail = (...reasons: string[]): NodeOutcome => ({ fits: false, reasons, bindings: [], provisions: [] });

interface Case {
  name: string;
  pod: Pod;
  fixtures: Fixture[];
  want: Record<string, NodeOutcome>;
  nodes?: NodeBuilder[];
}

/** Runs filterPod and the brute-force reference; both must produce `want`. */
function check(c: Case): void {
  const fixtures = [...BASE, ...c.fixtures];
  const store = makeStore(...fixtures);
  const nodes = (c.nodes ?? NODES).map((n) => n.like());
  const d = filterPod(c.pod, nodes, store);
  expect(d.kind).toBe('evaluated');
  expect(outcome(d)).toEqual(c.want);
  // Codes run parallel to reasons.
  for (const n of d.nodes) expect(n.codes).toHaveLength(n.reasons.length);

  const world = worldOf(fixtures);
  const ref = refFilterPod(c.pod, nodes, world);
  expect(ref.kind).toBe('evaluated');
  if (ref.kind === 'evaluated') {
    expect(Object.fromEntries(ref.nodes.map((n) => [n.node, { fits: n.fits, reasons: n.reasons, bindings: n.bindings, provisions: n.provisions }]))).toEqual(c.want);
  }
}

function worldOf(fixtures: Fixture[]): RefWorld {
  const objs = fixtures.map((f) => (Array.isArray(f) ? { kind: f[0], obj: f[1] } : { kind: (f as { kind: string }).kind, obj: (f as { build(): unknown }).build() }));
  const of = <T>(k: string): T[] => objs.filter((o) => o.kind === k).map((o) => o.obj as T);
  return { pvcs: of('PersistentVolumeClaim'), pvs: of('PersistentVolume'), scs: of('StorageClass'), drivers: of('CSIDriver'), capacities: of('CSIStorageCapacity') };
}

/** A PV bound to `claim` (claimRef + phase Bound), as the PV controller leaves it. */
const boundPV = (name: string, claim: string): PVBuilder => makePV(name, WAIT_SC).boundTo(claim, `uid-${claim}`).withPhase('Bound');

const pod1 = (...claims: string[]): Pod => makePod('p').withPVCs(...claims).build();

describe('R4.1 checkBoundClaims', () => {
  it.each<Case>([
    {
      name: 'all bound, PV pinned to node-a',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withBoundPV('pv-a'), makePV('pv-a', WAIT_SC).withNodeAffinity(HOST_A).boundTo('c').withPhase('Bound')],
      want: { 'node-a': fit(), 'node-b': fail(ErrReasonNodeConflict) },
    },
    {
      name: 'all bound, PV without affinity fits everywhere',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withBoundPV('pv-a'), makePV('pv-a', WAIT_SC).boundTo('c').withPhase('Bound')],
      want: { 'node-a': fit(), 'node-b': fit() },
    },
    {
      name: 'pv not found → non-existent pv reason on every node',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withBoundPV('pv-gone')],
      want: { 'node-a': fail(ErrReasonPVNotExist), 'node-b': fail(ErrReasonPVNotExist) },
    },
    {
      name: 'stop at first failing claim: missing PV (vol 1) hides affinity conflict (vol 2)',
      pod: pod1('missing', 'pinned'),
      fixtures: [makePVC('missing', WAIT_SC).withBoundPV('pv-gone'), makePVC('pinned', WAIT_SC).withBoundPV('pv-a'), boundPV('pv-a', 'pinned').withNodeAffinity(HOST_A)],
      want: { 'node-a': fail(ErrReasonPVNotExist), 'node-b': fail(ErrReasonPVNotExist) },
    },
    {
      name: 'stop at first failing claim: affinity conflict (vol 1) hides missing PV (vol 2) on that node',
      pod: pod1('pinned', 'missing'),
      fixtures: [makePVC('missing', WAIT_SC).withBoundPV('pv-gone'), makePVC('pinned', WAIT_SC).withBoundPV('pv-a'), boundPV('pv-a', 'pinned').withNodeAffinity(HOST_A)],
      want: { 'node-a': fail(ErrReasonPVNotExist), 'node-b': fail(ErrReasonNodeConflict) },
    },
    {
      name: 'two bound claims pinned to different nodes: no node fits',
      pod: pod1('ca', 'cb'),
      fixtures: [
        makePVC('ca', WAIT_SC).withBoundPV('pv-a'),
        makePVC('cb', WAIT_SC).withBoundPV('pv-b'),
        boundPV('pv-a', 'ca').withNodeAffinity(HOST_A),
        boundPV('pv-b', 'cb').withNodeAffinity(HOST_B),
      ],
      want: { 'node-a': fail(ErrReasonNodeConflict), 'node-b': fail(ErrReasonNodeConflict) },
    },
    {
      name: 'bound PV affinity ignores matchFields (S2)',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withBoundPV('pv-a'), boundPV('pv-a', 'c').withNodeAffinityTerms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] })],
      want: { 'node-a': fit(), 'node-b': fit() },
    },
  ])('$name', (c) => {
    check(c);
  });

  it('reason text is the Kubernetes ≥1.33 node-affinity string', () => {
    expect(ErrReasonNodeConflict).toBe("node(s) didn't match PersistentVolume's node affinity");
    expect(ErrReasonPVNotExist).toBe('node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)');
  });
});

describe('R5.1 selected-node fast path', () => {
  it.each<Case>([
    {
      name: 'annotation for node-a: node-b gets bind conflict only, node-a provisions',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withSelectedNode('node-a')],
      want: { 'node-a': fit([], [['c', null]]), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      name: 'same node: static matching skipped even though an Available PV would match',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withSelectedNode('node-a'), makePV('pv-a', WAIT_SC)],
      want: { 'node-a': fit([], [['c', null]]), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      name: 'same node but class cannot provision: bind conflict although a PV would match',
      pod: pod1('c'),
      fixtures: [makePVC('c', NOPROV_SC).withSelectedNode('node-a'), makePV('pv-a', NOPROV_SC)],
      want: { 'node-a': fail(ErrReasonBindConflict), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      name: 'other node: no further checks (capacity of a second claim is not looked at)',
      pod: pod1('c', 'big'),
      fixtures: [
        makePVC('c', WAIT_SC).withSelectedNode('node-a'),
        makePVC('big', WAIT_SC).withRequest('100Gi'),
        makeDriver(PROVISIONER),
        makeCapacity('cap-a', WAIT_SC, '1Ti', { [ZONE]: 'z1' }),
      ],
      want: { 'node-a': fit([], [['c', 'kube-system/cap-a'], ['big', 'kube-system/cap-a']]), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      name: 'fast path triggers even when the annotated claim comes after an unannotated one',
      pod: pod1('plain', 'c'),
      fixtures: [makePVC('plain', WAIT_SC), makePVC('c', WAIT_SC).withSelectedNode('node-b'), makePV('pv-x', WAIT_SC)],
      want: { 'node-a': fail(ErrReasonBindConflict), 'node-b': fit([['plain', 'pv-x']], [['c', null]]) },
    },
    {
      name: 'part A still reported together with the fast-path conflict',
      pod: pod1('bound', 'c'),
      fixtures: [makePVC('bound', WAIT_SC).withBoundPV('pv-a'), boundPV('pv-a', 'bound').withNodeAffinity(HOST_A), makePVC('c', WAIT_SC).withSelectedNode('node-a')],
      want: { 'node-a': fit([], [['c', null]]), 'node-b': fail(ErrReasonNodeConflict, ErrReasonBindConflict) },
    },
    {
      name: 'S6: annotation naming a node that no longer exists pins the pod nowhere',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withSelectedNode('node-gone')],
      want: { 'node-a': fail(ErrReasonBindConflict), 'node-b': fail(ErrReasonBindConflict) },
    },
  ])('$name', (c) => {
    check(c);
  });
});

describe('R5.2 findMatchingVolumes: sort by request, greedy, one PV per claim', () => {
  it.each<Case>([
    {
      name: 'two claims, two PVs: each gets its own; plan in request order',
      pod: pod1('big', 'small'),
      fixtures: [makePVC('big', WAIT_SC).withRequest('5Gi'), makePVC('small', WAIT_SC).withRequest('1Gi'), makePV('pv-2', WAIT_SC).withCapacity('2Gi'), makePV('pv-6', WAIT_SC).withCapacity('6Gi')],
      want: { 'node-a': fit([['small', 'pv-2'], ['big', 'pv-6']]), 'node-b': fit([['small', 'pv-2'], ['big', 'pv-6']]) },
    },
    {
      name: 'greedy smallest-first: the 1Gi claim takes the 3Gi PV, the 3Gi claim the 10Gi PV',
      pod: pod1('c3', 'c1'),
      fixtures: [makePVC('c3', NOPROV_SC).withRequest('3Gi'), makePVC('c1', NOPROV_SC).withRequest('1Gi'), makePV('pv-3', NOPROV_SC).withCapacity('3Gi'), makePV('pv-10', NOPROV_SC).withCapacity('10Gi')],
      want: { 'node-a': fit([['c1', 'pv-3'], ['c3', 'pv-10']]), 'node-b': fit([['c1', 'pv-3'], ['c3', 'pv-10']]) },
    },
    {
      name: 'a claim without request sorts as 0 and takes the smallest PV',
      pod: pod1('sized', 'nosize'),
      fixtures: [makePVC('sized', NOPROV_SC).withRequest('1Gi'), makePVC('nosize', NOPROV_SC).withoutRequest(), makePV('pv-1', NOPROV_SC).withCapacity('1Gi'), makePV('pv-5', NOPROV_SC).withCapacity('5Gi')],
      want: { 'node-a': fit([['nosize', 'pv-1'], ['sized', 'pv-5']]), 'node-b': fit([['nosize', 'pv-1'], ['sized', 'pv-5']]) },
    },
    {
      name: 'two claims, one PV, no provisioner: the second claim fails (never two claims on one PV)',
      pod: pod1('c1', 'c2'),
      fixtures: [makePVC('c1', NOPROV_SC), makePVC('c2', NOPROV_SC), makePV('pv-only', NOPROV_SC)],
      want: { 'node-a': fail(ErrReasonBindConflict), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      name: 'two claims, one PV, provisionable class: one static binding + one provision',
      pod: pod1('c1', 'c2'),
      fixtures: [makePVC('c1', WAIT_SC), makePVC('c2', WAIT_SC).withRequest('2Gi'), makePV('pv-only', WAIT_SC).withCapacity('5Gi')],
      want: { 'node-a': fit([['c1', 'pv-only']], [['c2', null]]), 'node-b': fit([['c1', 'pv-only']], [['c2', null]]) },
    },
    {
      name: 'each claim chooses only from its own class',
      pod: pod1('ca', 'cb'),
      fixtures: [makeSC('other', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner'), makePVC('ca', NOPROV_SC), makePVC('cb', 'other'), makePV('pv-other', 'other').withCapacity('1Gi'), makePV('pv-noprov', NOPROV_SC).withCapacity('9Gi')],
      want: { 'node-a': fit([['ca', 'pv-noprov'], ['cb', 'pv-other']]), 'node-b': fit([['ca', 'pv-noprov'], ['cb', 'pv-other']]) },
    },
    {
      name: 'per-node PVs: node-local volumes bind on their own node only',
      pod: pod1('c'),
      fixtures: [makePVC('c', NOPROV_SC), makePV('local-a', NOPROV_SC).withNodeAffinity(HOST_A)],
      want: { 'node-a': fit([['c', 'local-a']]), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      // The unmatched small claim cannot be provisioned anywhere, so the engine stops at it on
      // node-b; the outcome must be the one upstream reaches checking every claim.
      name: 'unmatched no-provisioner claim first: later claims do not change the node result',
      pod: pod1('small', 'big', 'dyn'),
      fixtures: [
        makePVC('small', NOPROV_SC).withRequest('1Gi'),
        makePVC('big', NOPROV_SC).withRequest('5Gi'),
        makePVC('dyn', WAIT_SC).withRequest('9Gi'),
        makePV('local-a-1', NOPROV_SC).withCapacity('1Gi').withNodeAffinity(HOST_A),
        makePV('local-a-5', NOPROV_SC).withCapacity('5Gi').withNodeAffinity(HOST_A),
        makePV('big-b', NOPROV_SC).withCapacity('5Gi').withNodeAffinity(HOST_B),
      ],
      want: { 'node-a': fit([['small', 'local-a-1'], ['big', 'local-a-5']], [['dyn', null]]), 'node-b': fail(ErrReasonBindConflict) },
    },
  ])('$name', (c) => {
    check(c);
  });
});

describe('R5.5 checkVolumeProvisions', () => {
  it.each<Case>([
    {
      name: 'kubernetes.io/no-provisioner → bind conflict',
      pod: pod1('c'),
      fixtures: [makePVC('c', NOPROV_SC)],
      want: { 'node-a': fail(ErrReasonBindConflict), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      name: 'empty provisioner → bind conflict',
      pod: pod1('c'),
      fixtures: [makeSC('empty-prov', 'WaitForFirstConsumer', ''), makePVC('c', 'empty-prov')],
      want: { 'node-a': fail(ErrReasonBindConflict), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      name: 'static-match failure overridden when provisioning is possible (S4)',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC), makePV('pv-small', WAIT_SC).withCapacity('1Mi')],
      want: { 'node-a': fit([], [['c', null]]), 'node-b': fit([], [['c', null]]) },
    },
    {
      name: 'allowedTopologies mismatch → bind conflict on that node only',
      pod: pod1('c'),
      fixtures: [makeSC('zonal').withAllowedTopologies({ matchLabelExpressions: [{ key: ZONE, values: ['z1'] }] }), makePVC('c', 'zonal')],
      want: { 'node-a': fit([], [['c', null]]), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      name: 'capacity insufficient → ONLY "not enough free storage", never bind conflict (S4)',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withRequest('10Gi'), makeDriver(PROVISIONER), makeCapacity('cap', WAIT_SC, '5Gi')],
      want: { 'node-a': fail(ErrReasonNotEnoughSpace), 'node-b': fail(ErrReasonNotEnoughSpace) },
    },
    {
      name: 'pre-bound PV with failing affinity → the claim goes to provisioning',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC), makePV('pv-pre', WAIT_SC).boundTo('c').withNodeAffinity(HOST_A)],
      want: { 'node-a': fit([['c', 'pv-pre']]), 'node-b': fit([], [['c', null]]) },
    },
    {
      name: 'pre-bound PV with failing affinity and no provisioner → bind conflict',
      pod: pod1('c'),
      fixtures: [makePVC('c', NOPROV_SC), makePV('pv-pre', NOPROV_SC).boundTo('c').withNodeAffinity(HOST_A), makePV('pv-free', NOPROV_SC)],
      want: { 'node-a': fit([['c', 'pv-pre']]), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      name: 'stop at the first failing claim: topology conflict (1Gi, first) hides capacity (2Gi)',
      pod: pod1('second', 'first'),
      fixtures: [
        makeSC('zonal', 'WaitForFirstConsumer', 'other.csi').withAllowedTopologies({ matchLabelExpressions: [{ key: ZONE, values: ['z1'] }] }),
        makePVC('first', 'zonal').withRequest('1Gi'),
        makePVC('second', WAIT_SC).withRequest('2Gi'),
        makeDriver(PROVISIONER),
      ],
      want: { 'node-a': fail(ErrReasonNotEnoughSpace), 'node-b': fail(ErrReasonBindConflict) },
    },
    {
      name: 'a failing provision discards provisions already accepted, and static bindings',
      pod: pod1('s', 'p1', 'p2'),
      fixtures: [
        makePVC('s', WAIT_SC).withRequest('1Gi'),
        makePVC('p1', WAIT_SC).withRequest('2Gi'),
        makePVC('p2', WAIT_SC).withRequest('3Gi'),
        makePV('pv-1', WAIT_SC).withCapacity('1Gi'),
        makeDriver(PROVISIONER),
        makeCapacity('cap-a', WAIT_SC, '2Gi', { [ZONE]: 'z1' }),
        makeCapacity('cap-b', WAIT_SC, '3Gi', { [ZONE]: 'z2' }),
      ],
      want: { 'node-a': fail(ErrReasonNotEnoughSpace), 'node-b': fit([['s', 'pv-1']], [['p1', 'kube-system/cap-b'], ['p2', 'kube-system/cap-b']]) },
    },
  ])('$name', (c) => {
    check(c);
  });

  /** A view whose StorageClasses disappear after PreFilter looked them up once (deleted mid-cycle). */
  function vanishingClasses(view: ClusterView): ClusterView {
    const seen = new Set<string>();
    return new Proxy(view, {
      get(target, prop, receiver) {
        if (prop === 'storageClass') {
          return (name: string): StorageClassEntry | undefined => {
            if (seen.has(name)) return undefined;
            seen.add(name);
            return target.storageClass(name);
          };
        }
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  it('"failed to find storage class" surfaces as PodDecision kind "error" on every node', () => {
    const store = makeStore(...BASE, makePVC('c', WAIT_SC));
    const d = filterPod(pod1('c'), NODES.map((n) => n.like()), vanishingClasses(store));
    expect(d.kind).toBe('error');
    expect(d.kind === 'error' && d.error).toBe(`failed to find storage class "${WAIT_SC}"`);
    expect(d.nodes.map((n) => [n.node, n.fits, n.reasons])).toEqual([
      ['node-a', false, []],
      ['node-b', false, []],
    ]);
  });

  it('"no class for claim" is an EngineError from checkProvision / evaluateNode', () => {
    const store = makeStore(...BASE, makePVC('c', WAIT_SC));
    const pc = readyClaims(pod1('c'), store);
    const noClass = { ...pc.delay[0]!, className: '' };
    expect(() => checkProvision(noClass, NODE_A.like(), store, false)).toThrow(new EngineError('no class for claim "testns/c"'));
    const crafted: PodClaims = { ...pc, claims: [noClass], delay: [noClass], delaySelected: [], delayToMatch: [noClass] };
    expect(() => evaluateNode(crafted, NODE_A.like(), store)).toThrow('no class for claim "testns/c"');
  });

  it('a selector error on a later claim is an error even where an earlier claim already fails the node', () => {
    const store = makeStore(
      ...BASE,
      makePVC('first', NOPROV_SC).withRequest('1Gi'),
      makePVC('bad', WAIT_SC).withRequest('2Gi').withSelector({ matchExpressions: [{ key: 'k', operator: 'Exists', values: ['v'] }] }),
    );
    const d = filterPod(pod1('first', 'bad'), NODES.map((n) => n.like()), store);
    expect(d.kind === 'error' && d.error).toMatch(/^error creating internal label selector for claim: testns\/bad: /);
  });

  it('invalid claim selector surfaces as PodDecision kind "error"', () => {
    const store = makeStore(...BASE, makePVC('c', WAIT_SC).withSelector({ matchExpressions: [{ key: 'k', operator: 'Exists', values: ['v'] }] }));
    const d = filterPod(pod1('c'), NODES.map((n) => n.like()), store);
    expect(d.kind).toBe('error');
    expect(d.kind === 'error' && d.error).toMatch(/^error creating internal label selector for claim: testns\/c: values set must be empty for exists and does not exist$/);
  });
});

describe('R5.6 hasEnoughCapacity', () => {
  const withDriver = (...f: Fixture[]): Fixture[] => [makeDriver(PROVISIONER), ...f];
  it.each<Case>([
    {
      name: 'no storage request → sufficient without any capacity object',
      pod: pod1('c'),
      fixtures: withDriver(makePVC('c', WAIT_SC).withoutRequest()),
      want: { 'node-a': fit([], [['c', null]]), 'node-b': fit([], [['c', null]]) },
    },
    {
      name: 'no CSIDriver for the provisioner → sufficient',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withRequest('10Gi'), makeCapacity('cap', WAIT_SC, '1Gi'), makeDriver('some.other.driver')],
      want: { 'node-a': fit([], [['c', null]]), 'node-b': fit([], [['c', null]]) },
    },
    {
      name: 'CSIDriver storageCapacity false → sufficient',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withRequest('10Gi'), makeDriver(PROVISIONER, false)],
      want: { 'node-a': fit([], [['c', null]]), 'node-b': fit([], [['c', null]]) },
    },
    {
      name: 'CSIDriver storageCapacity nil → sufficient',
      pod: pod1('c'),
      fixtures: [makePVC('c', WAIT_SC).withRequest('10Gi'), makeDriver(PROVISIONER, null)],
      want: { 'node-a': fit([], [['c', null]]), 'node-b': fit([], [['c', null]]) },
    },
    {
      name: 'storageCapacity true and no capacity objects → insufficient',
      pod: pod1('c'),
      fixtures: withDriver(makePVC('c', WAIT_SC)),
      want: { 'node-a': fail(ErrReasonNotEnoughSpace), 'node-b': fail(ErrReasonNotEnoughSpace) },
    },
    {
      name: 'maximumVolumeSize preferred over capacity (max too small)',
      pod: pod1('c'),
      fixtures: withDriver(makePVC('c', WAIT_SC).withRequest('10Gi'), makeCapacity('cap', WAIT_SC, '100Gi').withMaximumVolumeSize('5Gi')),
      want: { 'node-a': fail(ErrReasonNotEnoughSpace), 'node-b': fail(ErrReasonNotEnoughSpace) },
    },
    {
      name: 'maximumVolumeSize preferred over capacity (max large enough)',
      pod: pod1('c'),
      fixtures: withDriver(makePVC('c', WAIT_SC).withRequest('10Gi'), makeCapacity('cap', WAIT_SC, '1Gi').withMaximumVolumeSize('50Gi')),
      want: { 'node-a': fit([], [['c', 'kube-system/cap']]), 'node-b': fit([], [['c', 'kube-system/cap']]) },
    },
    {
      name: 'limit equal to request is enough',
      pod: pod1('c'),
      fixtures: withDriver(makePVC('c', WAIT_SC).withRequest('10Gi'), makeCapacity('cap', WAIT_SC, '10Gi')),
      want: { 'node-a': fit([], [['c', 'kube-system/cap']]), 'node-b': fit([], [['c', 'kube-system/cap']]) },
    },
    {
      name: 'nil limit (no capacity, no maximumVolumeSize) → insufficient',
      pod: pod1('c'),
      fixtures: withDriver(makePVC('c', WAIT_SC), makeCapacity('cap', WAIT_SC, null)),
      want: { 'node-a': fail(ErrReasonNotEnoughSpace), 'node-b': fail(ErrReasonNotEnoughSpace) },
    },
    {
      name: 'nodeTopology must match the node',
      pod: pod1('c'),
      fixtures: withDriver(makePVC('c', WAIT_SC), makeCapacity('cap-z2', WAIT_SC, '10Gi', { [ZONE]: 'z2' })),
      want: { 'node-a': fail(ErrReasonNotEnoughSpace), 'node-b': fit([], [['c', 'kube-system/cap-z2']]) },
    },
    {
      name: 'nodeTopology nil → usable by no node',
      pod: pod1('c'),
      fixtures: withDriver(makePVC('c', WAIT_SC), makeCapacity('cap', WAIT_SC, '10Gi', null)),
      want: { 'node-a': fail(ErrReasonNotEnoughSpace), 'node-b': fail(ErrReasonNotEnoughSpace) },
    },
    {
      name: 'capacity of another class is ignored',
      pod: pod1('c'),
      fixtures: withDriver(makePVC('c', WAIT_SC), makeCapacity('cap', 'other-class', '10Ti')),
      want: { 'node-a': fail(ErrReasonNotEnoughSpace), 'node-b': fail(ErrReasonNotEnoughSpace) },
    },
    {
      name: 'S5: per claim, not summed: two 6Gi claims fit a 10Gi capacity',
      pod: pod1('c1', 'c2'),
      fixtures: withDriver(makePVC('c1', WAIT_SC).withRequest('6Gi'), makePVC('c2', WAIT_SC).withRequest('6Gi'), makeCapacity('cap', WAIT_SC, '10Gi')),
      want: { 'node-a': fit([], [['c1', 'kube-system/cap'], ['c2', 'kube-system/cap']]), 'node-b': fit([], [['c1', 'kube-system/cap'], ['c2', 'kube-system/cap']]) },
    },
    {
      name: 'S5: first sufficient capacity in lister (namespace/name) order wins',
      pod: pod1('c'),
      fixtures: withDriver(makePVC('c', WAIT_SC).withRequest('5Gi'), makeCapacity('cap-b', WAIT_SC, '30Gi'), makeCapacity('cap-a', WAIT_SC, '20Gi'), makeCapacity('cap-0', WAIT_SC, '1Gi')),
      want: { 'node-a': fit([], [['c', 'kube-system/cap-a']]), 'node-b': fit([], [['c', 'kube-system/cap-a']]) },
    },
  ])('$name', (c) => {
    check(c);
  });
});

describe('R6.1/R6.2 reasons: fixed order, all reported', () => {
  it.each<Case>([
    {
      name: 'bound and unbound unsatisfied → both reasons',
      pod: pod1('bound', 'unbound'),
      fixtures: [makePVC('bound', WAIT_SC).withBoundPV('pv-a'), boundPV('pv-a', 'bound').withNodeAffinity(HOST_A), makePVC('unbound', NOPROV_SC)],
      want: { 'node-a': fail(ErrReasonBindConflict), 'node-b': fail(ErrReasonNodeConflict, ErrReasonBindConflict) },
    },
    {
      name: 'affinity conflict + not enough storage',
      pod: pod1('bound', 'unbound'),
      fixtures: [makePVC('bound', WAIT_SC).withBoundPV('pv-a'), boundPV('pv-a', 'bound').withNodeAffinity(HOST_A), makePVC('unbound', WAIT_SC), makeDriver(PROVISIONER)],
      want: { 'node-a': fail(ErrReasonNotEnoughSpace), 'node-b': fail(ErrReasonNodeConflict, ErrReasonNotEnoughSpace) },
    },
    {
      name: 'missing PV is listed last even though it is found first',
      pod: pod1('bound', 'unbound'),
      fixtures: [makePVC('bound', WAIT_SC).withBoundPV('pv-gone'), makePVC('unbound', NOPROV_SC)],
      want: { 'node-a': fail(ErrReasonBindConflict, ErrReasonPVNotExist), 'node-b': fail(ErrReasonBindConflict, ErrReasonPVNotExist) },
    },
    {
      name: 'unbound claims are evaluated even after a bound-claim failure',
      pod: pod1('bound', 'unbound'),
      fixtures: [makePVC('bound', WAIT_SC).withBoundPV('pv-gone'), makePVC('unbound', WAIT_SC), makeDriver(PROVISIONER)],
      want: { 'node-a': fail(ErrReasonNotEnoughSpace, ErrReasonPVNotExist), 'node-b': fail(ErrReasonNotEnoughSpace, ErrReasonPVNotExist) },
    },
    {
      name: 'bound + static + provision all fit on node-a',
      pod: pod1('bound', 'static', 'dyn'),
      fixtures: [
        makePVC('bound', WAIT_SC).withBoundPV('pv-bound'),
        boundPV('pv-bound', 'bound').withNodeAffinity(HOST_A),
        makePVC('static', NOPROV_SC),
        makePV('pv-static', NOPROV_SC),
        makePVC('dyn', WAIT_SC),
      ],
      want: { 'node-a': fit([['static', 'pv-static']], [['dyn', null]]), 'node-b': fail(ErrReasonNodeConflict) },
    },
  ])('$name', (c) => {
    check(c);
  });

  it('codes mirror reasons', () => {
    const store = makeStore(...BASE, makePVC('bound', WAIT_SC).withBoundPV('pv-a'), boundPV('pv-a', 'bound').withNodeAffinity(HOST_A), makePVC('unbound', NOPROV_SC));
    const d = filterPod(pod1('bound', 'unbound'), [NODE_B.like()], store);
    expect(d.nodes[0]!.codes).toEqual(['node_affinity_conflict', 'bind_conflict']);
  });
});

describe('R6.3 errors abort the whole pod, not one node', () => {
  it('an error on node-b fails the decision even though node-a took the fast path without error', () => {
    const store = makeStore(
      ...BASE,
      makePVC('pinned', WAIT_SC).withSelectedNode('node-b'),
      makePVC('bad', WAIT_SC).withSelector({ matchLabels: { 'bad key': 'v' } }),
    );
    const nodes = NODES.map((n) => n.like());
    // node-a alone: fast-path bind conflict, no error.
    expect(outcome(filterPod(pod1('pinned', 'bad'), [nodes[0]!], store))).toEqual({ 'node-a': fail(ErrReasonBindConflict) });
    const d = filterPod(pod1('pinned', 'bad'), nodes, store);
    expect(d.kind).toBe('error');
    expect(d.nodes.every((n) => !n.fits)).toBe(true);
  });

  it('explain mode does not change the outcome', () => {
    const fixtures = [...BASE, makePVC('bound', WAIT_SC).withBoundPV('pv-a'), boundPV('pv-a', 'bound').withNodeAffinity(HOST_A), makePVC('u', WAIT_SC), makePV('pv-u', WAIT_SC).withNodeAffinity(HOST_B)];
    const store = makeStore(...fixtures);
    const nodes = NODES.map((n) => n.like());
    const plain = filterPod(pod1('bound', 'u'), nodes, store);
    const explained = filterPod(pod1('bound', 'u'), nodes, store, { explain: true });
    expect(outcome(explained)).toEqual(outcome(plain));
    expect(plain.nodes.every((n) => n.explanation.length === 0)).toBe(true);
    expect(explained.nodes.every((n) => n.explanation.length > 0)).toBe(true);
  });
});
