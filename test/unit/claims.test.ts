import { describe, expect, it } from 'vitest';
import { ephemeralClaimName, isFullyBound, podHasClaims, preparePod, type PrepareResult } from '../../src/engine/claims.js';
import { pvcClassName, pvClassName } from '../../src/engine/entries.js';
import { filterPod } from '../../src/engine/filter.js';
import { ErrReasonUnboundImmediate } from '../../src/engine/reasons.js';
import {
  type Fixture,
  IMMEDIATE_SC,
  makeNode,
  makePod,
  makePV,
  makePVC,
  makeSC,
  makeStore,
  NS,
  WAIT_SC,
} from '../fixtures/builders.js';

function kindOf(r: PrepareResult): string {
  return r.kind;
}

function claimKinds(r: PrepareResult): Record<string, string> {
  if (r.kind !== 'ready') throw new Error(`expected ready, got ${JSON.stringify(r)}`);
  return Object.fromEntries(r.claims.claims.map((c) => [c.name, c.kind]));
}

describe('R1.2 storage class of claims and volumes', () => {
  it.each([
    { name: 'spec only', pvc: makePVC('c', 'gold'), want: 'gold' },
    { name: 'beta annotation wins over spec', pvc: makePVC('c', 'gold').withBetaClass('silver'), want: 'silver' },
    { name: 'empty beta annotation still wins', pvc: makePVC('c', 'gold').withBetaClass(''), want: '' },
    { name: 'nil spec.storageClassName is ""', pvc: makePVC('c', null), want: '' },
    { name: 'absent spec.storageClassName is "" (no default-class resolution)', pvc: makePVC('c', 'x').withStorageClassName(undefined), want: '' },
  ])('PVC: $name', ({ pvc, want }) => {
    expect(pvcClassName(pvc.build())).toBe(want);
  });

  it.each([
    { name: 'spec only', pv: makePV('p', 'gold'), want: 'gold' },
    { name: 'beta annotation wins', pv: makePV('p', 'gold').withAnnotation('volume.beta.kubernetes.io/storage-class', 'silver'), want: 'silver' },
    { name: 'empty beta annotation wins', pv: makePV('p', 'gold').withAnnotation('volume.beta.kubernetes.io/storage-class', ''), want: '' },
    { name: 'nil class', pv: makePV('p', 'gold').withStorageClassName(null), want: '' },
  ])('PV: $name', ({ pv, want }) => {
    expect(pvClassName(pv.build())).toBe(want);
  });

  it('a claim whose beta annotation names a WFFC class is delay-binding even if spec names an Immediate class', () => {
    const store = makeStore(makeSC(WAIT_SC), makeSC(IMMEDIATE_SC, 'Immediate'), makePVC('c', IMMEDIATE_SC).withBetaClass(WAIT_SC));
    const r = preparePod(makePod('p').withPVCs('c').build(), store);
    expect(claimKinds(r)).toEqual({ c: 'delay' });
  });

  it('a claim whose empty beta annotation overrides a WFFC spec class is not delayed (immediate)', () => {
    const store = makeStore(makeSC(WAIT_SC), makePVC('c', WAIT_SC).withBetaClass(''));
    const r = preparePod(makePod('p').withPVCs('c').build(), store);
    expect(r).toMatchObject({ kind: 'unschedulable', reason: ErrReasonUnboundImmediate });
  });
});

describe('R1.3 IsDelayBindingMode', () => {
  it.each<{ name: string; fixtures: Fixture[]; className: string | null; want: string | { error: string } }>([
    { name: 'WaitForFirstConsumer class → delay', fixtures: [makeSC('x')], className: 'x', want: 'delay' },
    { name: 'Immediate class → immediate', fixtures: [makeSC('x', 'Immediate')], className: 'x', want: 'immediate' },
    { name: 'empty class name → not delayed', fixtures: [makeSC('x')], className: '', want: 'immediate' },
    { name: 'nil class name → not delayed', fixtures: [makeSC('x')], className: null, want: 'immediate' },
    { name: 'missing StorageClass → Immediate, no error (S3)', fixtures: [], className: 'x', want: 'immediate' },
    { name: 'nil volumeBindingMode → error', fixtures: [makeSC('x', null)], className: 'x', want: { error: 'VolumeBindingMode not set for StorageClass "x"' } },
  ])('$name', ({ fixtures, className, want }) => {
    const store = makeStore(...fixtures, makePVC('c', className));
    const r = preparePod(makePod('p').withPVCs('c').build(), store);
    if (typeof want === 'object') {
      expect(r).toEqual({ kind: 'error', error: want.error });
    } else if (want === 'delay') {
      expect(claimKinds(r)).toEqual({ c: 'delay' });
    } else {
      expect(r).toMatchObject({ kind: 'unschedulable', reason: ErrReasonUnboundImmediate, code: 'unbound_immediate' });
    }
  });

  it('nil volumeBindingMode is no error for a fully bound claim (mode only consulted when unbound)', () => {
    const store = makeStore(makeSC('x', null), makePVC('c', 'x').withBoundPV('pv-1'));
    expect(claimKinds(preparePod(makePod('p').withPVCs('c').build(), store))).toEqual({ c: 'bound' });
  });

  it('nil-mode error surfaces from filterPod as PodDecision kind "error" (R2.3: Error, not Unschedulable)', () => {
    const store = makeStore(makeSC('x', null), makePVC('c', 'x'), makeNode('node-a'));
    const d = filterPod(makePod('p').withPVCs('c').build(), [makeNode('node-a').like()], store);
    expect(d.kind).toBe('error');
    expect(d.kind === 'error' && d.error).toBe('VolumeBindingMode not set for StorageClass "x"');
    expect(d.nodes.map((n) => [n.node, n.fits, n.reasons])).toEqual([['node-a', false, []]]);
  });
});

describe('R1.4 isPVCFullyBound', () => {
  it.each([
    { name: 'volumeName + bind-completed', pvc: makePVC('c', WAIT_SC).withBoundPV('pv'), want: true },
    { name: 'bind-completed with any value (even empty)', pvc: makePVC('c', WAIT_SC).withVolumeName('pv').withAnnotation('pv.kubernetes.io/bind-completed', ''), want: true },
    { name: 'volumeName without bind-completed is pre-bound, not bound', pvc: makePVC('c', WAIT_SC).withVolumeName('pv'), want: false },
    { name: 'bind-completed without volumeName', pvc: makePVC('c', WAIT_SC).withAnnotation('pv.kubernetes.io/bind-completed', 'yes'), want: false },
    { name: 'neither', pvc: makePVC('c', WAIT_SC), want: false },
  ])('$name → $want', ({ pvc, want }) => {
    expect(isFullyBound(pvc.build())).toBe(want);
  });
});

describe('R1.5 generic ephemeral volumes', () => {
  const pod = makePod('web-0').withEphemeral('scratch');

  it('claim name is <pod>-<volume>, literal hyphen, no truncation', () => {
    const long = 'v'.repeat(80);
    expect(ephemeralClaimName(pod.build(), 'scratch')).toBe('web-0-scratch');
    expect(ephemeralClaimName(pod.build(), long)).toBe(`web-0-${long}`);
  });

  it('owned ephemeral claim is accepted and classified', () => {
    const p = pod.build();
    const store = makeStore(makeSC(WAIT_SC), makePVC('web-0-scratch', WAIT_SC).ownedBy(p));
    expect(claimKinds(preparePod(p, store))).toEqual({ 'web-0-scratch': 'delay' });
  });

  it.each([
    { name: 'no ownerReferences', owner: undefined, controller: true },
    { name: 'controller owner uid differs', owner: 'someone-else', controller: true },
    { name: 'owner is the pod but not the controller', owner: 'uid-pod-web-0', controller: false },
  ])('not-owner text when $name', ({ owner, controller }) => {
    const p = pod.build();
    const pvc = makePVC('web-0-scratch', WAIT_SC).build();
    if (owner !== undefined) pvc.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'Pod', name: 'web-0', uid: owner, controller }];
    const store = makeStore(makeSC(WAIT_SC), ['PersistentVolumeClaim', pvc]);
    expect(preparePod(p, store)).toMatchObject({
      kind: 'unschedulable',
      code: 'ephemeral_not_owned',
      reason: `PVC ${NS}/web-0-scratch was not created for pod ${NS}/web-0 (pod is not owner)`,
    });
  });
});

describe('R1.6 only PVC and ephemeral volumes count', () => {
  it('pod with only emptyDir/hostPath/configMap volumes has no claims', () => {
    const p = makePod('p')
      .withVolume({ name: 'a', emptyDir: {} })
      .withVolume({ name: 'b', hostPath: { path: '/x' } })
      .withVolume({ name: 'c', configMap: { name: 'cm' } })
      .build();
    expect(podHasClaims(p)).toBe(false);
    expect(kindOf(preparePod(p, makeStore()))).toBe('skip');
  });

  it('other volume types between claims are ignored; claims keep spec.volumes order', () => {
    const store = makeStore(makeSC(WAIT_SC), makePVC('b', WAIT_SC), makePVC('a', WAIT_SC));
    const p = makePod('p').withVolume({ name: 'x', emptyDir: {} }).withPVCs('b').withVolume({ name: 'y', secret: { secretName: 's' } }).withPVCs('a').build();
    const r = preparePod(p, store);
    expect(r.kind === 'ready' && r.claims.claims.map((c) => [c.volume, c.name])).toEqual([
      ['vol-b', 'b'],
      ['vol-a', 'a'],
    ]);
  });
});

describe('R2.1 pods without claims are skipped', () => {
  it.each([
    { name: 'no volumes at all', pod: makePod('p') },
    { name: 'only an emptyDir volume', pod: makePod('p').withVolume({ name: 'e', emptyDir: {} }) },
  ])('$name', ({ pod }) => {
    const nodes = [makeNode('node-a').like(), makeNode('node-b').like()];
    const d = filterPod(pod.build(), nodes, makeStore());
    expect(d.kind).toBe('skip');
    expect(d.nodes.map((n) => [n.node, n.fits, n.reasons.length])).toEqual([
      ['node-a', true, 0],
      ['node-b', true, 0],
    ]);
  });
});

describe('R2.2 podHasPVCs: first failure wins, in spec.volumes order', () => {
  const lost = makePVC('lost', WAIT_SC).withVolumeName('pv-gone').withPhase('Lost');
  const deleting = makePVC('del', WAIT_SC).deleting();
  const ok = makePVC('ok', WAIT_SC);

  it.each<{ name: string; pod: ReturnType<typeof makePod>; fixtures: Fixture[]; reason: string; code: string }>([
    { name: 'plain PVC not found', pod: makePod('p').withPVCs('missing'), fixtures: [], reason: 'persistentvolumeclaim "missing" not found', code: 'claim_not_found' },
    {
      name: 'ephemeral PVC not created yet',
      pod: makePod('p').withEphemeral('scratch'),
      fixtures: [],
      reason: 'waiting for ephemeral volume controller to create the persistentvolumeclaim "p-scratch"',
      code: 'ephemeral_claim_pending',
    },
    {
      name: 'claim Lost',
      pod: makePod('p').withPVCs('lost'),
      fixtures: [lost],
      reason: 'persistentvolumeclaim "lost" bound to non-existent persistentvolume "pv-gone"',
      code: 'claim_lost',
    },
    { name: 'claim being deleted', pod: makePod('p').withPVCs('del'), fixtures: [deleting], reason: 'persistentvolumeclaim "del" is being deleted', code: 'claim_deleting' },
    {
      name: 'first failure wins: deleting (vol 1) before missing (vol 2)',
      pod: makePod('p').withPVCs('ok', 'del', 'missing'),
      fixtures: [ok, deleting],
      reason: 'persistentvolumeclaim "del" is being deleted',
      code: 'claim_deleting',
    },
    {
      name: 'first failure wins: missing (vol 1) before Lost (vol 2)',
      pod: makePod('p').withPVCs('missing', 'lost'),
      fixtures: [lost],
      reason: 'persistentvolumeclaim "missing" not found',
      code: 'claim_not_found',
    },
    {
      name: 'Lost is checked before deletion on the same claim',
      pod: makePod('p').withPVCs('both'),
      fixtures: [makePVC('both', WAIT_SC).withVolumeName('v').withPhase('Lost').deleting()],
      reason: 'persistentvolumeclaim "both" bound to non-existent persistentvolume "v"',
      code: 'claim_lost',
    },
    {
      name: 'a missing claim in volume 2 wins over a class error in volume 1 (two passes)',
      pod: makePod('p').withPVCs('badclass', 'missing'),
      fixtures: [makeSC('nomode', null), makePVC('badclass', 'nomode')],
      reason: 'persistentvolumeclaim "missing" not found',
      code: 'claim_not_found',
    },
    {
      name: 'a missing claim in volume 2 wins over an unbound immediate claim in volume 1',
      pod: makePod('p').withPVCs('imm', 'missing'),
      fixtures: [makeSC(IMMEDIATE_SC, 'Immediate'), makePVC('imm', IMMEDIATE_SC)],
      reason: 'persistentvolumeclaim "missing" not found',
      code: 'claim_not_found',
    },
    {
      name: 'claim in another namespace is not found',
      pod: makePod('p').withPVCs('elsewhere'),
      fixtures: [makePVC('elsewhere', WAIT_SC).inNamespace('other')],
      reason: 'persistentvolumeclaim "elsewhere" not found',
      code: 'claim_not_found',
    },
  ])('$name', ({ pod, fixtures, reason, code }) => {
    const store = makeStore(makeSC(WAIT_SC), ...fixtures);
    expect(preparePod(pod.build(), store)).toMatchObject({ kind: 'unschedulable', reason, code });
    // The filter verb repeats the PreFilter reason on every node (R16.1).
    const nodes = [makeNode('node-a').like(), makeNode('node-b').like()];
    const d = filterPod(pod.build(), nodes, store);
    expect(d.kind).toBe('unschedulable');
    expect(d.nodes.map((n) => [n.fits, n.reasons])).toEqual([
      [false, [reason]],
      [false, [reason]],
    ]);
  });
});

describe('R2.3 GetPodVolumeClaims classification', () => {
  it.each<{ name: string; pvc: ReturnType<typeof makePVC>; want: string }>([
    { name: 'fully bound → bound', pvc: makePVC('c', WAIT_SC).withBoundPV('pv'), want: 'bound' },
    { name: 'unbound WFFC → delay', pvc: makePVC('c', WAIT_SC), want: 'delay' },
    { name: 'unbound WFFC with selected-node → delay', pvc: makePVC('c', WAIT_SC).withSelectedNode('node-a'), want: 'delay' },
    { name: 'pre-bound PVC in WFFC class → immediate (S3)', pvc: makePVC('c', WAIT_SC).withVolumeName('pv'), want: 'immediate' },
    { name: 'unbound Immediate → immediate', pvc: makePVC('c', IMMEDIATE_SC), want: 'immediate' },
    { name: 'class missing → immediate', pvc: makePVC('c', 'nope'), want: 'immediate' },
    { name: 'no class → immediate', pvc: makePVC('c', ''), want: 'immediate' },
    { name: 'fully bound in Immediate class → bound', pvc: makePVC('c', IMMEDIATE_SC).withBoundPV('pv'), want: 'bound' },
  ])('$name', ({ pvc, want }) => {
    const store = makeStore(makeSC(WAIT_SC), makeSC(IMMEDIATE_SC, 'Immediate'), pvc);
    const r = preparePod(makePod('p').withPVCs('c').build(), store);
    if (want === 'immediate') expect(r).toMatchObject({ kind: 'unschedulable', reason: ErrReasonUnboundImmediate });
    else expect(claimKinds(r)).toEqual({ c: want });
  });

  it('bound and delay claims are split, each list in spec.volumes order', () => {
    const store = makeStore(
      makeSC(WAIT_SC),
      makePVC('d2', WAIT_SC),
      makePVC('b1', WAIT_SC).withBoundPV('pv-1'),
      makePVC('d1', WAIT_SC),
      makePVC('b2', IMMEDIATE_SC).withBoundPV('pv-2'),
    );
    const r = preparePod(makePod('p').withPVCs('d2', 'b1', 'd1', 'b2').build(), store);
    expect(r.kind).toBe('ready');
    if (r.kind !== 'ready') return;
    expect(r.claims.bound.map((c) => c.name)).toEqual(['b1', 'b2']);
    expect(r.claims.delay.map((c) => c.name)).toEqual(['d2', 'd1']);
    expect(r.claims.immediate).toEqual([]);
    expect(r.claims.claims.find((c) => c.name === 'b1')).toMatchObject({ volumeName: 'pv-1', key: `${NS}/b1` });
  });

  it('ClaimInfo carries request, access modes, defaulted volumeMode and selected node', () => {
    const store = makeStore(makeSC(WAIT_SC), makePVC('c', WAIT_SC).withRequest('5Gi').withAccessModes('ReadWriteMany').withSelectedNode('node-z'));
    const r = preparePod(makePod('p').withPVCs('c').build(), store);
    expect(r.kind === 'ready' && r.claims.delay[0]).toMatchObject({
      request: 5 * 2 ** 30,
      accessModes: ['ReadWriteMany'],
      volumeMode: 'Filesystem',
      selectedNode: 'node-z',
      className: WAIT_SC,
    });
  });

  it('a claim without a storage request has request undefined', () => {
    const store = makeStore(makeSC(WAIT_SC), makePVC('c', WAIT_SC).withoutRequest());
    const r = preparePod(makePod('p').withPVCs('c').build(), store);
    expect(r.kind === 'ready' && r.claims.delay[0]!.request).toBeUndefined();
  });
});

describe('R2.4 unbound immediate claims', () => {
  it('any unbound immediate claim makes the pod unschedulable on every node, even with other claims fine', () => {
    const store = makeStore(makeSC(WAIT_SC), makeSC(IMMEDIATE_SC, 'Immediate'), makePVC('w', WAIT_SC), makePVC('i', IMMEDIATE_SC), makeNode('node-a'));
    const d = filterPod(makePod('p').withPVCs('w', 'i').build(), [makeNode('node-a').like()], store);
    expect(d).toMatchObject({ kind: 'unschedulable', reason: 'pod has unbound immediate PersistentVolumeClaims', code: 'unbound_immediate' });
    expect(d.nodes[0]).toMatchObject({ fits: false, reasons: ['pod has unbound immediate PersistentVolumeClaims'] });
  });

  it('a pre-bound PVC in a WFFC class whose PV exists and matches is still "immediate" (waits for the PV controller)', () => {
    const store = makeStore(makeSC(WAIT_SC), makePV('pv', WAIT_SC).boundTo('c'), makePVC('c', WAIT_SC).withVolumeName('pv'));
    const d = filterPod(makePod('p').withPVCs('c').build(), [makeNode('node-a').like()], store);
    expect(d.kind === 'unschedulable' && d.reason).toBe(ErrReasonUnboundImmediate);
  });
});
