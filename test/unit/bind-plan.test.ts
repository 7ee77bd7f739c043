import { describe, expect, it } from 'vitest';
import { bindVolumeToClaim, withoutSelectedNode, withSelectedNode } from '../../src/engine/bind-plan.js';
import { AnnBoundByController, AnnSelectedNode, type PersistentVolume, type PersistentVolumeClaim } from '../../src/engine/types.js';
import { makePV, makePVC, NS, WAIT_SC } from '../fixtures/builders.js';

const PVC = makePVC('c', WAIT_SC).withUID('uid-c').withRV('42');
const FULL_REF = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: NS, name: 'c', uid: 'uid-c', resourceVersion: '42' };

describe('R9.2 GetBindVolumeToClaim', () => {
  it.each<{ name: string; pv: PersistentVolume; wantRef: object; wantAnn: string | undefined; dirty: boolean }>([
    {
      name: 'unbound PV: full claimRef + bound-by-controller',
      pv: makePV('pv', WAIT_SC).build(),
      wantRef: FULL_REF,
      wantAnn: 'yes',
      dirty: true,
    },
    {
      name: 'user pre-bound by name/namespace (no uid): claimRef completed, no bound-by-controller',
      pv: makePV('pv', WAIT_SC).boundTo('c').build(),
      wantRef: FULL_REF,
      wantAnn: undefined,
      dirty: true,
    },
    {
      name: 'already bound to this claim with uid: nothing to do',
      pv: makePV('pv', WAIT_SC).boundTo('c', 'uid-c').build(),
      wantRef: { namespace: NS, name: 'c', uid: 'uid-c' },
      wantAnn: undefined,
      dirty: false,
    },
    {
      name: 'already bound and already annotated: not dirty, annotation kept',
      pv: makePV('pv', WAIT_SC).boundTo('c', 'uid-c').withAnnotation(AnnBoundByController, 'yes').build(),
      wantRef: { namespace: NS, name: 'c', uid: 'uid-c' },
      wantAnn: 'yes',
      dirty: false,
    },
    {
      name: 'claimRef to another claim (uid differs): rebound, annotated',
      pv: makePV('pv', WAIT_SC).boundTo('c', 'uid-old').build(),
      wantRef: FULL_REF,
      wantAnn: 'yes',
      dirty: true,
    },
    {
      name: 'claimRef to another name: rebound, annotated',
      pv: makePV('pv', WAIT_SC).boundTo('other', 'uid-other').build(),
      wantRef: FULL_REF,
      wantAnn: 'yes',
      dirty: true,
    },
    {
      name: 'existing bound-by-controller annotation (any value) is not overwritten',
      pv: makePV('pv', WAIT_SC).withAnnotation(AnnBoundByController, 'no').build(),
      wantRef: FULL_REF,
      wantAnn: 'no',
      dirty: true,
    },
  ])('$name', ({ pv, wantRef, wantAnn, dirty }) => {
    const pvc = PVC.build();
    const before = structuredClone(pv);
    const pvcBefore = structuredClone(pvc);
    const r = bindVolumeToClaim(pv, pvc);
    expect(r.dirty).toBe(dirty);
    expect(r.pv.spec?.claimRef).toEqual(wantRef);
    expect(r.pv.metadata?.annotations?.[AnnBoundByController]).toBe(wantAnn);
    // Inputs are never mutated, and the result is a copy.
    expect(pv).toEqual(before);
    expect(pvc).toEqual(pvcBefore);
    expect(r.pv).not.toBe(pv);
    // Everything else is preserved.
    expect(r.pv.spec?.capacity).toEqual(pv.spec?.capacity);
    expect(r.pv.metadata?.name).toBe('pv');
    // Idempotent: binding the result again changes nothing.
    const again = bindVolumeToClaim(r.pv, pvc);
    expect(again.dirty).toBe(false);
    expect(again.pv).toEqual(r.pv);
  });

  it('PV without metadata/spec gets both created', () => {
    const r = bindVolumeToClaim({}, PVC.build());
    expect(r.dirty).toBe(true);
    expect(r.pv.spec?.claimRef).toEqual(FULL_REF);
    expect(r.pv.metadata?.annotations).toEqual({ [AnnBoundByController]: 'yes' });
  });

  it('idempotent for a claim without uid / namespace (unset fields compare as "" / default)', () => {
    const pvc: PersistentVolumeClaim = { metadata: { name: 'c' } };
    const first = bindVolumeToClaim(makePV('pv', WAIT_SC).build(), pvc);
    expect(first.pv.spec?.claimRef).toMatchObject({ name: 'c', namespace: 'default', uid: '' });
    const second = bindVolumeToClaim(first.pv, pvc);
    expect(second.dirty).toBe(false);
    expect(second.pv).toEqual(first.pv);
  });
});

describe('R9.1 selected-node annotation helpers', () => {
  it('withSelectedNode sets the annotation on a copy, keeping others', () => {
    const pvc = PVC.withAnnotation('keep', 'me').build();
    const out = withSelectedNode(pvc, 'node-a');
    expect(out.metadata?.annotations).toEqual({ keep: 'me', [AnnSelectedNode]: 'node-a' });
    expect(pvc.metadata?.annotations?.[AnnSelectedNode]).toBeUndefined();
  });

  it('withoutSelectedNode removes only that annotation, on a copy', () => {
    const pvc = makePVC('c', WAIT_SC).withSelectedNode('node-a').withAnnotation('keep', 'me').build();
    const out = withoutSelectedNode(pvc);
    expect(out.metadata?.annotations).toEqual({ keep: 'me' });
    expect(pvc.metadata?.annotations?.[AnnSelectedNode]).toBe('node-a');
  });
});
