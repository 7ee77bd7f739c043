import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errors.js';
import { explainNoMatch, findMatchingVolume, isBoundToClaim, whyNot } from '../../src/engine/matching.js';
import type { PersistentVolume } from '../../src/engine/types.js';
import {
  claimInfo,
  type Fixture,
  makeNode,
  makePod,
  makePV,
  makePVC,
  makeSC,
  makeStore,
  type PVBuilder,
  type PVCBuilder,
  WAIT_SC,
} from '../fixtures/builders.js';
import { refFindMatchingVolume, refListOrder, refPVClass } from '../fixtures/reference.js';

const NODE_A = makeNode('node-a', { 'topology.kubernetes.io/zone': 'z1' });
const HOST_A = { 'kubernetes.io/hostname': ['node-a'] };
const HOST_B = { 'kubernetes.io/hostname': ['node-b'] };

interface Case {
  name: string;
  pvc?: PVCBuilder;
  pvs: PVBuilder[];
  chosen?: string[];
  want: string | undefined;
}

/** Runs the indexed engine and the brute-force reference on the same fixtures. */
function run(c: Case): { engine: string | undefined; reference: string | undefined } {
  const pvc = c.pvc ?? makePVC('c', WAIT_SC);
  const fixtures: Fixture[] = [makeSC(WAIT_SC), pvc, NODE_A, ...c.pvs];
  const store = makeStore(...fixtures);
  const pod = makePod('p').withPVCs('c').build();
  const claim = claimInfo(pod, store, 'c');
  const chosen = new Set(c.chosen ?? []);
  const engine = findMatchingVolume(claim, store.pvClass(claim.className), NODE_A.like(), chosen)?.name;
  const builtPVC = pvc.build();
  const all: PersistentVolume[] = c.pvs.map((b) => b.build()).filter((p) => refPVClass(p) === claim.className);
  const reference = refFindMatchingVolume(builtPVC, refListOrder(all), NODE_A.like().labels, chosen)?.metadata?.name;
  return { engine, reference };
}

function check(c: Case): void {
  const { engine, reference } = run(c);
  expect(engine).toBe(c.want);
  expect(reference).toBe(c.want);
}

describe('R5.3 FindMatchingVolume: each skip condition on its own', () => {
  it.each<Case>([
    { name: 'baseline: one Available fitting PV matches', pvs: [makePV('pv-a', WAIT_SC)], want: 'pv-a' },
    { name: 'a: already chosen for this pod', pvs: [makePV('pv-a', WAIT_SC)], chosen: ['pv-a'], want: undefined },
    { name: 'b: claimRef to another claim', pvs: [makePV('pv-a', WAIT_SC).boundTo('other')], want: undefined },
    { name: 'b: claimRef same name, other namespace', pvs: [makePV('pv-a', WAIT_SC).boundTo('c', undefined, 'otherns')], want: undefined },
    { name: 'b/R5.4: claimRef uid mismatch = bound to someone else', pvs: [makePV('pv-a', WAIT_SC).boundTo('c', 'uid-old')], want: undefined },
    { name: 'c: too small', pvc: makePVC('c', WAIT_SC).withRequest('2Gi'), pvs: [makePV('pv-a', WAIT_SC).withCapacity('1Gi')], want: undefined },
    { name: 'c: one byte too small', pvc: makePVC('c', WAIT_SC).withRequest(1001), pvs: [makePV('pv-a', WAIT_SC).withCapacity(1000)], want: undefined },
    { name: 'c: exact fit is fine', pvc: makePVC('c', WAIT_SC).withRequest('2Gi'), pvs: [makePV('pv-a', WAIT_SC).withCapacity('2Gi')], want: 'pv-a' },
    { name: 'c: 2048Mi == 2Gi', pvc: makePVC('c', WAIT_SC).withRequest('2Gi'), pvs: [makePV('pv-a', WAIT_SC).withCapacity('2048Mi')], want: 'pv-a' },
    { name: 'c: no request matches any size', pvc: makePVC('c', WAIT_SC).withoutRequest(), pvs: [makePV('pv-a', WAIT_SC).withCapacity('1Mi')], want: 'pv-a' },
    { name: 'd: PV Block vs claim nil (Filesystem)', pvs: [makePV('pv-a', WAIT_SC).withVolumeMode('Block')], want: undefined },
    { name: 'd: PV nil vs claim Block', pvc: makePVC('c', WAIT_SC).withVolumeMode('Block'), pvs: [makePV('pv-a', WAIT_SC)], want: undefined },
    { name: 'd: PV nil vs claim Filesystem (nil = Filesystem)', pvc: makePVC('c', WAIT_SC).withVolumeMode('Filesystem'), pvs: [makePV('pv-a', WAIT_SC)], want: 'pv-a' },
    { name: 'd: PV Filesystem vs claim nil', pvs: [makePV('pv-a', WAIT_SC).withVolumeMode('Filesystem')], want: 'pv-a' },
    { name: 'd: Block vs Block', pvc: makePVC('c', WAIT_SC).withVolumeMode('Block'), pvs: [makePV('pv-a', WAIT_SC).withVolumeMode('Block')], want: 'pv-a' },
    { name: 'e: PV sets a VAC, claim none', pvs: [makePV('pv-a', WAIT_SC).withVAC('gold')], want: undefined },
    { name: 'e: claim sets a VAC, PV none', pvc: makePVC('c', WAIT_SC).withVAC('gold'), pvs: [makePV('pv-a', WAIT_SC)], want: undefined },
    { name: 'e: VACs differ', pvc: makePVC('c', WAIT_SC).withVAC('gold'), pvs: [makePV('pv-a', WAIT_SC).withVAC('silver')], want: undefined },
    { name: 'e: VACs equal', pvc: makePVC('c', WAIT_SC).withVAC('gold'), pvs: [makePV('pv-a', WAIT_SC).withVAC('gold')], want: 'pv-a' },
    { name: 'e: nil and "" are equal', pvc: makePVC('c', WAIT_SC).withVAC(null), pvs: [makePV('pv-a', WAIT_SC).withVAC('')], want: 'pv-a' },
    { name: 'f: PV being deleted', pvs: [makePV('pv-a', WAIT_SC).deleting()], want: undefined },
    { name: 'i: phase Bound', pvs: [makePV('pv-a', WAIT_SC).withPhase('Bound')], want: undefined },
    { name: 'i: phase Released', pvs: [makePV('pv-a', WAIT_SC).withPhase('Released')], want: undefined },
    { name: 'i: phase Pending', pvs: [makePV('pv-a', WAIT_SC).withPhase('Pending')], want: undefined },
    { name: 'i: phase Failed', pvs: [makePV('pv-a', WAIT_SC).withPhase('Failed')], want: undefined },
    { name: 'i: no phase', pvs: [makePV('pv-a', WAIT_SC).withPhase('')], want: undefined },
    { name: 'j: selector mismatch', pvc: makePVC('c', WAIT_SC).withSelector({ matchLabels: { tier: 'fast' } }), pvs: [makePV('pv-a', WAIT_SC).withLabels({ tier: 'slow' })], want: undefined },
    { name: 'j: selector on unlabelled PV', pvc: makePVC('c', WAIT_SC).withSelector({ matchLabels: { tier: 'fast' } }), pvs: [makePV('pv-a', WAIT_SC)], want: undefined },
    { name: 'j: selector match', pvc: makePVC('c', WAIT_SC).withSelector({ matchLabels: { tier: 'fast' } }), pvs: [makePV('pv-a', WAIT_SC).withLabels({ tier: 'fast' })], want: 'pv-a' },
    { name: 'j: empty selector {} matches any PV', pvc: makePVC('c', WAIT_SC).withSelector({}), pvs: [makePV('pv-a', WAIT_SC)], want: 'pv-a' },
    {
      name: 'j: selector matchExpressions NotIn',
      pvc: makePVC('c', WAIT_SC).withSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['slow'] }] }),
      pvs: [makePV('pv-a', WAIT_SC).withLabels({ tier: 'slow' }), makePV('pv-b', WAIT_SC).withCapacity('5Gi')],
      want: 'pv-b',
    },
    {
      name: 'k/R1.2: PV whose beta annotation names another class is not a candidate',
      pvs: [makePV('pv-a', WAIT_SC).withAnnotation('volume.beta.kubernetes.io/storage-class', 'other')],
      want: undefined,
    },
    {
      name: 'k/R1.2: PV of another spec class but beta annotation naming this class is a candidate',
      pvs: [makePV('pv-a', 'other').withAnnotation('volume.beta.kubernetes.io/storage-class', WAIT_SC)],
      want: 'pv-a',
    },
    { name: 'k: PV of another class', pvs: [makePV('pv-a', 'other')], want: undefined },
    { name: 'l: affinity to another node', pvs: [makePV('pv-a', WAIT_SC).withNodeAffinity(HOST_B)], want: undefined },
    { name: 'l: affinity to this node', pvs: [makePV('pv-a', WAIT_SC).withNodeAffinity(HOST_A)], want: 'pv-a' },
    { name: 'l: affinity with zero terms', pvs: [makePV('pv-a', WAIT_SC).withNodeAffinityTerms()], want: undefined },
    { name: 'm: claim RWX, PV RWO', pvc: makePVC('c', WAIT_SC).withAccessModes('ReadWriteMany'), pvs: [makePV('pv-a', WAIT_SC)], want: undefined },
    { name: 'm: claim [RWO,ROX], PV [RWO]', pvc: makePVC('c', WAIT_SC).withAccessModes('ReadWriteOnce', 'ReadOnlyMany'), pvs: [makePV('pv-a', WAIT_SC)], want: undefined },
    { name: 'm: PV may offer more modes', pvs: [makePV('pv-a', WAIT_SC).withAccessModes('ReadOnlyMany', 'ReadWriteOnce')], want: 'pv-a' },
    { name: 'm: claim with no access modes', pvc: makePVC('c', WAIT_SC).withAccessModes(), pvs: [makePV('pv-a', WAIT_SC).withAccessModes()], want: 'pv-a' },
    { name: 'm: PV with no access modes', pvs: [makePV('pv-a', WAIT_SC).withAccessModes()], want: undefined },
  ])('$name', (c) => {
    check(c);
  });
});

describe('R5.3 FindMatchingVolume: choosing among candidates', () => {
  it.each<Case>([
    {
      name: 'smallest fit wins',
      pvc: makePVC('c', WAIT_SC).withRequest('1Gi'),
      pvs: [makePV('pv-5', WAIT_SC).withCapacity('5Gi'), makePV('pv-2', WAIT_SC).withCapacity('2Gi'), makePV('pv-10', WAIT_SC).withCapacity('10Gi')],
      want: 'pv-2',
    },
    {
      name: 'smallest fit among PVs large enough (smaller ones skipped)',
      pvc: makePVC('c', WAIT_SC).withRequest('3Gi'),
      pvs: [makePV('pv-1', WAIT_SC).withCapacity('1Gi'), makePV('pv-2', WAIT_SC).withCapacity('2Gi'), makePV('pv-4', WAIT_SC).withCapacity('4Gi'), makePV('pv-8', WAIT_SC).withCapacity('8Gi')],
      want: 'pv-4',
    },
    {
      name: 'smallest fit across different affinity groups',
      pvs: [
        makePV('pv-any-9', WAIT_SC).withCapacity('9Gi'),
        makePV('pv-host-3', WAIT_SC).withCapacity('3Gi').withNodeAffinity(HOST_A),
        makePV('pv-zone-2', WAIT_SC).withCapacity('2Gi').withNodeAffinity({ 'topology.kubernetes.io/zone': ['z1'] }),
        makePV('pv-b-1', WAIT_SC).withCapacity('1Gi').withNodeAffinity(HOST_B),
      ],
      want: 'pv-zone-2',
    },
    {
      name: 'a smaller PV failing a later check does not hide a larger one',
      pvs: [makePV('pv-small', WAIT_SC).withCapacity('1Gi').withPhase('Released'), makePV('pv-big', WAIT_SC).withCapacity('3Gi')],
      want: 'pv-big',
    },
    {
      name: 'equal capacity: tie goes to the smallest name (engine tie-break for unspecified list order)',
      pvs: [makePV('pv-b', WAIT_SC).withCapacity('2Gi'), makePV('pv-a', WAIT_SC).withCapacity('2Gi').withNodeAffinity(HOST_A)],
      want: 'pv-a',
    },
    {
      name: 'equal capacity in the same affinity group: smallest name wins',
      pvs: [makePV('pv-c', WAIT_SC).withCapacity('2Gi'), makePV('pv-b', WAIT_SC).withCapacity('2Gi'), makePV('pv-d', WAIT_SC).withCapacity('2Gi')],
      want: 'pv-b',
    },
    {
      name: 'equal capacity in the same group, smaller name fails a check: next name wins',
      pvs: [makePV('pv-b', WAIT_SC).withCapacity('2Gi').withPhase('Released'), makePV('pv-c', WAIT_SC).withCapacity('2Gi'), makePV('pv-d', WAIT_SC).withCapacity('2Gi')],
      want: 'pv-c',
    },
    {
      name: 'pre-bound PV wins over a smaller Available PV',
      pvs: [makePV('pv-small', WAIT_SC).withCapacity('1Gi'), makePV('pv-pre', WAIT_SC).withCapacity('10Gi').boundTo('c')],
      want: 'pv-pre',
    },
    {
      name: 'pre-bound with matching uid wins',
      pvs: [makePV('pv-small', WAIT_SC).withCapacity('1Gi'), makePV('pv-pre', WAIT_SC).withCapacity('10Gi').boundTo('c', 'uid-c')],
      want: 'pv-pre',
    },
    {
      name: 'claimRef uid mismatch: treated as someone else\'s, the Available PV is used',
      pvs: [makePV('pv-small', WAIT_SC).withCapacity('1Gi'), makePV('pv-pre', WAIT_SC).withCapacity('10Gi').boundTo('c', 'uid-previous-c')],
      want: 'pv-small',
    },
    {
      name: 'pre-bound bypasses phase (Released)',
      pvs: [makePV('pv-pre', WAIT_SC).boundTo('c').withPhase('Released')],
      want: 'pv-pre',
    },
    {
      name: 'pre-bound bypasses phase (Bound)',
      pvs: [makePV('pv-pre', WAIT_SC).boundTo('c').withPhase('Bound')],
      want: 'pv-pre',
    },
    {
      name: 'pre-bound bypasses the claim selector',
      pvc: makePVC('c', WAIT_SC).withSelector({ matchLabels: { tier: 'fast' } }),
      pvs: [makePV('pv-pre', WAIT_SC).boundTo('c').withLabels({ tier: 'slow' })],
      want: 'pv-pre',
    },
    {
      name: 'pre-bound bypasses access modes',
      pvc: makePVC('c', WAIT_SC).withAccessModes('ReadWriteMany'),
      pvs: [makePV('pv-pre', WAIT_SC).boundTo('c').withAccessModes('ReadOnlyMany')],
      want: 'pv-pre',
    },
    {
      name: 'pre-bound with failing affinity → no match at all, even though an Available PV fits',
      pvs: [makePV('pv-ok', WAIT_SC).withCapacity('1Gi'), makePV('pv-pre', WAIT_SC).withCapacity('10Gi').boundTo('c').withNodeAffinity(HOST_B)],
      want: undefined,
    },
    {
      name: 'pre-bound but too small is skipped (check c applies), Available PV used',
      pvc: makePVC('c', WAIT_SC).withRequest('5Gi'),
      pvs: [makePV('pv-pre', WAIT_SC).withCapacity('1Gi').boundTo('c'), makePV('pv-ok', WAIT_SC).withCapacity('5Gi')],
      want: 'pv-ok',
    },
    {
      name: 'pre-bound but being deleted is skipped (check f applies)',
      pvs: [makePV('pv-pre', WAIT_SC).boundTo('c').deleting(), makePV('pv-ok', WAIT_SC)],
      want: 'pv-ok',
    },
    {
      name: 'pre-bound but wrong volumeMode is skipped (check d applies)',
      pvs: [makePV('pv-pre', WAIT_SC).boundTo('c').withVolumeMode('Block')],
      want: undefined,
    },
    {
      name: 'pre-bound but already chosen is skipped (check a applies)',
      pvs: [makePV('pv-pre', WAIT_SC).boundTo('c'), makePV('pv-ok', WAIT_SC).withCapacity('3Gi')],
      chosen: ['pv-pre'],
      want: 'pv-ok',
    },
    {
      name: 'pre-bound but failing affinity and too small: skipped before affinity, Available PV used',
      pvc: makePVC('c', WAIT_SC).withRequest('2Gi'),
      pvs: [makePV('pv-pre', WAIT_SC).withCapacity('1Gi').boundTo('c').withNodeAffinity(HOST_B), makePV('pv-ok', WAIT_SC).withCapacity('2Gi')],
      want: 'pv-ok',
    },
    {
      name: 'PVs pre-bound to other claims are never candidates, even when they are the best fit',
      pvs: [makePV('pv-other', WAIT_SC).withCapacity('1Gi').boundTo('other'), makePV('pv-ok', WAIT_SC).withCapacity('8Gi')],
      want: 'pv-ok',
    },
  ])('$name', (c) => {
    check(c);
  });

  it('invalid claim selector → EngineError "error creating internal label selector for claim: ..."', () => {
    const pvc = makePVC('c', WAIT_SC).withSelector({ matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] });
    const store = makeStore(makeSC(WAIT_SC), pvc, makePV('pv-a', WAIT_SC));
    const claim = claimInfo(makePod('p').withPVCs('c').build(), store, 'c');
    const call = (): unknown => findMatchingVolume(claim, store.pvClass(WAIT_SC), NODE_A.like(), new Set());
    expect(call).toThrow(EngineError);
    expect(call).toThrow(/^error creating internal label selector for claim: testns\/c: "Gt" is not a valid label selector operator$/);
  });

  it('invalid claim selector errors even when the class has no PVs (checked before the scan)', () => {
    const pvc = makePVC('c', WAIT_SC).withSelector({ matchLabels: { 'bad key': 'x' } });
    const store = makeStore(makeSC(WAIT_SC), pvc);
    const claim = claimInfo(makePod('p').withPVCs('c').build(), store, 'c');
    expect(() => findMatchingVolume(claim, store.pvClass(WAIT_SC), NODE_A.like(), new Set())).toThrow(/^error creating internal label selector for claim: testns\/c: /);
  });
});

describe('R5.4 IsVolumeBoundToClaim', () => {
  const store = makeStore(makeSC(WAIT_SC), makePVC('c', WAIT_SC));
  const claim = claimInfo(makePod('p').withPVCs('c').build(), store, 'c');
  it.each([
    { name: 'name+namespace, no uid', pv: makePV('x', WAIT_SC).boundTo('c'), want: true },
    { name: 'name+namespace+matching uid', pv: makePV('x', WAIT_SC).boundTo('c', 'uid-c'), want: true },
    { name: 'empty uid counts as unset', pv: makePV('x', WAIT_SC).boundTo('c', ''), want: true },
    { name: 'uid mismatch', pv: makePV('x', WAIT_SC).boundTo('c', 'uid-x'), want: false },
    { name: 'other name', pv: makePV('x', WAIT_SC).boundTo('d'), want: false },
    { name: 'other namespace', pv: makePV('x', WAIT_SC).boundTo('c', undefined, 'elsewhere'), want: false },
  ])('$name → $want', ({ pv, want }) => {
    const s = makeStore(pv);
    expect(isBoundToClaim(s.pv('x')!, claim)).toBe(want);
  });
});

describe('explainNoMatch / whyNot agree with findMatchingVolume', () => {
  const pvs = [
    makePV('pv-small', WAIT_SC).withCapacity('1Gi'),
    makePV('pv-block', WAIT_SC).withCapacity('9Gi').withVolumeMode('Block'),
    makePV('pv-elsewhere', WAIT_SC).withCapacity('9Gi').withNodeAffinity(HOST_B),
    makePV('pv-released', WAIT_SC).withCapacity('9Gi').withPhase('Released'),
    makePV('pv-taken', WAIT_SC).withCapacity('9Gi').boundTo('someone'),
  ];
  const store = makeStore(makeSC(WAIT_SC), makePVC('c', WAIT_SC).withRequest('5Gi'), ...pvs);
  const claim = claimInfo(makePod('p').withPVCs('c').build(), store, 'c');

  it('no PV matches, and whyNot names a reason for every PV', () => {
    expect(findMatchingVolume(claim, store.pvClass(WAIT_SC), NODE_A.like(), new Set())).toBeUndefined();
    const codes = Object.fromEntries(pvs.map((b) => [b.build().metadata!.name!, whyNot(store.pv(b.build().metadata!.name!)!, claim, NODE_A.like(), new Set())?.code]));
    expect(codes).toEqual({ 'pv-small': 'small', 'pv-block': 'mode', 'pv-elsewhere': 'affinity', 'pv-released': 'phase', 'pv-taken': 'claimed' });
  });

  it('explanation mentions the claim and is non-empty; an empty class says so', () => {
    const text = explainNoMatch(claim, store.pvClass(WAIT_SC), NODE_A.like(), new Set());
    expect(text).toContain('pvc c');
    const empty = makeStore(makeSC(WAIT_SC), makePVC('c', WAIT_SC));
    const c2 = claimInfo(makePod('p').withPVCs('c').build(), empty, 'c');
    expect(explainNoMatch(c2, empty.pvClass(WAIT_SC), NODE_A.like(), new Set())).toContain(`no PV of class "${WAIT_SC}" exists`);
  });

  it('whyNot is undefined for the chosen PV', () => {
    const s = makeStore(makeSC(WAIT_SC), makePVC('c', WAIT_SC), makePV('pv-a', WAIT_SC).withNodeAffinity(HOST_A));
    const c = claimInfo(makePod('p').withPVCs('c').build(), s, 'c');
    const pv = findMatchingVolume(c, s.pvClass(WAIT_SC), NODE_A.like(), new Set());
    expect(pv?.name).toBe('pv-a');
    expect(whyNot(pv!, c, NODE_A.like(), new Set())).toBeUndefined();
  });
});
