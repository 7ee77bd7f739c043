import { describe, expect, it } from 'vitest';
import { OutOfSyncError } from '../../src/cluster/store.js';
import { bindVolumeToClaim, withSelectedNode } from '../../src/engine/bind-plan.js';
import { filterPod } from '../../src/engine/filter.js';
import { findMatchingVolume } from '../../src/engine/matching.js';
import { claimInfo, makeNode, makePod, makePV, makePVC, makeSC, makeStore, NS, WAIT_SC } from '../fixtures/builders.js';

const NODE = makeNode('node-a');

/** Two claims of one class competing for one PV. */
function setup() {
  const store = makeStore(makeSC(WAIT_SC), NODE, makePVC('c1', WAIT_SC), makePVC('c2', WAIT_SC), makePV('pv-1', WAIT_SC).withRV('10'));
  const match = (claim: string): string | undefined => {
    const c = claimInfo(makePod(`p-${claim}`).withPVCs(claim).build(), store, claim);
    return findMatchingVolume(c, store.pvClass(WAIT_SC), NODE.like(), new Set())?.name;
  };
  const boundToC1 = () => bindVolumeToClaim(store.apiPV('pv-1')!, store.pvc(NS, 'c1')!).pv;
  return { store, match, boundToC1 };
}

describe('R8.2 assume cache semantics (ClusterStore)', () => {
  it('assume requires the informer resourceVersion; error text names both', () => {
    const { store } = setup();
    const stale = makePV('pv-1', WAIT_SC).withRV('9').build();
    expect(() => { store.assumePV(stale); }).toThrow(OutOfSyncError);
    expect(() => { store.assumePV(stale); }).toThrow('"pv-1" is out of sync (stored: 10, assume: 9)');
    expect(store.isPVAssumed('pv-1')).toBe(false);
  });

  it('assume of an unknown object fails', () => {
    const { store } = setup();
    expect(() => { store.assumePV(makePV('nope', WAIT_SC).build()); }).toThrow(OutOfSyncError);
    expect(() => { store.assumePVC(makePVC('nope', WAIT_SC).build()); }).toThrow(OutOfSyncError);
  });

  it('PVC assume error text uses namespace/name', () => {
    const { store } = setup();
    expect(() => { store.assumePVC(makePVC('c1', WAIT_SC).withRV('0').build()); }).toThrow(`"${NS}/c1" is out of sync (stored: 1, assume: 0)`);
  });

  it('an assumed PV disappears from other claims\' matching and serves the claim it names', () => {
    const { store, match, boundToC1 } = setup();
    expect(match('c2')).toBe('pv-1');
    store.assumePV(boundToC1());
    expect(store.isPVAssumed('pv-1')).toBe(true);
    expect(match('c2')).toBeUndefined();
    expect(match('c1')).toBe('pv-1');
    // Readers see the assumed object; the informer copy is unchanged.
    expect(store.pv('pv-1')!.claimKey).toBe(`${NS}/c1`);
    expect(store.apiPV('pv-1')!.spec?.claimRef).toBeUndefined();
  });

  it('filterPod for another pod no longer finds the assumed PV', () => {
    const { store, boundToC1 } = setup();
    const pod2 = makePod('p2').withPVCs('c2').build();
    expect(filterPod(pod2, [NODE.like()], store).nodes[0]!.staticBindings.map((b) => b.pv.name)).toEqual(['pv-1']);
    store.assumePV(boundToC1());
    const after = filterPod(pod2, [NODE.like()], store).nodes[0]!;
    expect(after.staticBindings).toEqual([]);
    expect(after.provisions.map((p) => p.claim.name)).toEqual(['c2']);
  });

  it('informer update with a new resourceVersion drops the assumption', () => {
    const { store, match, boundToC1 } = setup();
    store.assumePV(boundToC1());
    store.upsert('PersistentVolume', makePV('pv-1', WAIT_SC).withRV('11').build());
    expect(store.isPVAssumed('pv-1')).toBe(false);
    expect(match('c2')).toBe('pv-1');
  });

  it('informer resync with the same resourceVersion keeps the assumption', () => {
    const { store, match, boundToC1 } = setup();
    store.assumePV(boundToC1());
    store.upsert('PersistentVolume', makePV('pv-1', WAIT_SC).withRV('10').build());
    expect(store.isPVAssumed('pv-1')).toBe(true);
    expect(match('c2')).toBeUndefined();
  });

  it('informer delete drops the assumption and the PV', () => {
    const { store, match, boundToC1 } = setup();
    store.assumePV(boundToC1());
    store.remove('PersistentVolume', makePV('pv-1', WAIT_SC).build());
    expect(store.isPVAssumed('pv-1')).toBe(false);
    expect(store.pv('pv-1')).toBeUndefined();
    expect(match('c1')).toBeUndefined();
  });

  it('restore drops the assumption and is idempotent', () => {
    const { store, match, boundToC1 } = setup();
    store.assumePV(boundToC1());
    store.restorePV('pv-1');
    expect(store.isPVAssumed('pv-1')).toBe(false);
    expect(match('c2')).toBe('pv-1');
    store.restorePV('pv-1');
    store.restorePV('never-assumed');
    expect(match('c2')).toBe('pv-1');
    expect(store.assumedCounts()).toEqual({ pvs: 0, pvcs: 0 });
  });

  it('assumed PVC (selected-node) is what PreFilter sees; new RV drops it', () => {
    const { store } = setup();
    store.assumePVC(withSelectedNode(store.apiPVC(NS, 'c1')!, 'node-x'));
    const pod = makePod('p').withPVCs('c1').build();
    expect(claimInfo(pod, store, 'c1').selectedNode).toBe('node-x');
    expect(filterPod(pod, [NODE.like()], store).nodes[0]!.fits).toBe(false);
    store.upsert('PersistentVolumeClaim', makePVC('c1', WAIT_SC).withRV('2').build());
    expect(store.isPVCAssumed(NS, 'c1')).toBe(false);
    expect(claimInfo(pod, store, 'c1').selectedNode).toBeUndefined();
  });

  it('PVC restore is idempotent', () => {
    const { store } = setup();
    store.assumePVC(withSelectedNode(store.apiPVC(NS, 'c1')!, 'node-x'));
    store.restorePVC(NS, 'c1');
    store.restorePVC(NS, 'c1');
    expect(store.isPVCAssumed(NS, 'c1')).toBe(false);
    expect(store.pvc(NS, 'c1')!.metadata?.annotations).toBeUndefined();
  });

  it('assumption that changes the class moves the PV between class indexes and back on restore', () => {
    const { store } = setup();
    const moved = makePV('pv-1', 'elsewhere').withRV('10').build();
    store.assumePV(moved);
    expect(store.pvClass(WAIT_SC).size).toBe(0);
    expect(store.pvClass('elsewhere').size).toBe(1);
    store.restorePV('pv-1');
    expect(store.pvClass(WAIT_SC).size).toBe(1);
    expect(store.pvClass('elsewhere').size).toBe(0);
  });
});
