/**
 * Structural sharing in the store and the engine's interned per-PV facts: equal parts become one
 * object, shared parts are frozen, and matching is unaffected.
 */
import { describe, expect, it } from 'vitest';
import { sharedValue, shareParts } from '../../src/cluster/shared-subtrees.js';
import { ClusterStore } from '../../src/cluster/store.js';
import { filterPod } from '../../src/engine/filter.js';
import { Interner } from '../../src/engine/intern.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../src/engine/types.js';
import { makeNode, makePod, makePV, makePVC, makeSC, makeStore, WAIT_SC } from '../fixtures/builders.js';

describe('Interner', () => {
  it('returns one value per key while it is alive, a new one for another key', () => {
    const i = new Interner<{ v: number }>();
    let made = 0;
    const a = i.get('k', () => ({ v: ++made }));
    const b = i.get('k', () => ({ v: ++made }));
    const c = i.get('other', () => ({ v: ++made }));
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(made).toBe(2);
    expect(i.size).toBe(2);
  });
});

describe('shared subtrees', () => {
  it('sharedValue: equal JSON values are the same frozen object, unequal ones are not', () => {
    const x = sharedValue({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['a'] }] }] } });
    const y = sharedValue({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['a'] }] }] } });
    const z = sharedValue({ required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['b'] }] }] } });
    expect(y).toBe(x);
    expect(z).not.toBe(x);
    expect(Object.isFrozen(x.required.nodeSelectorTerms[0]!.matchExpressions[0]!.values)).toBe(true);
  });

  it('PVs of one node share nodeAffinity, accessModes and capacity; the rest stays their own', () => {
    const a = makePV('a', WAIT_SC).withNodeAffinity({ 'kubernetes.io/hostname': ['n1'] }).withCapacity('10Gi').build();
    const b = makePV('b', WAIT_SC).withNodeAffinity({ 'kubernetes.io/hostname': ['n1'] }).withCapacity('10Gi').build();
    shareParts('PersistentVolume', a);
    shareParts('PersistentVolume', b);
    expect(b.spec!.nodeAffinity).toBe(a.spec!.nodeAffinity);
    expect(b.spec!.accessModes).toBe(a.spec!.accessModes);
    expect(b.spec!.capacity).toBe(a.spec!.capacity);
    expect(b.metadata).not.toBe(a.metadata);
    expect(b.metadata!.name).toBe('b');
  });

  it('a shared part cannot be modified in place (writers must clone, as bind-plan does)', () => {
    const pvc = makePVC('c', WAIT_SC).withRequest('5Gi').build();
    shareParts('PersistentVolumeClaim', pvc);
    expect(() => {
      (pvc.spec!.resources!.requests as Record<string, string>).storage = '6Gi';
    }).toThrow(TypeError);
    const copy: PersistentVolumeClaim = structuredClone(pvc);
    (copy.spec!.resources!.requests as Record<string, string>).storage = '6Gi';
    expect(pvc.spec!.resources!.requests!.storage).toBe('5Gi');
  });

  it('kinds without shareable parts are left as they are', () => {
    const node = makeNode('n1', { zone: 'z' }).build();
    expect(shareParts('Node', node)).toBe(node);
    expect(Object.isFrozen(node.metadata!.labels)).toBe(false);
  });
});

describe('store: shared PV affinity and stable node views', () => {
  it('PVs with equal nodeAffinity share one compiled selector; matching still picks the smallest fit per node', () => {
    const store = makeStore(
      makeSC(WAIT_SC),
      makeNode('n1', { 'kubernetes.io/hostname': 'n1' }),
      makeNode('n2', { 'kubernetes.io/hostname': 'n2' }),
      makePV('n1-big', WAIT_SC).withNodeAffinity({ 'kubernetes.io/hostname': ['n1'] }).withCapacity('100Gi'),
      makePV('n1-small', WAIT_SC).withNodeAffinity({ 'kubernetes.io/hostname': ['n1'] }).withCapacity('10Gi'),
      makePV('n2-only', WAIT_SC).withNodeAffinity({ 'kubernetes.io/hostname': ['n2'] }).withCapacity('50Gi'),
      makePVC('c', WAIT_SC).withRequest('5Gi'),
    );
    expect(store.pv('n1-big')!.affinity).toBe(store.pv('n1-small')!.affinity);
    expect(store.pv('n2-only')!.affinity).not.toBe(store.pv('n1-small')!.affinity);
    const d = filterPod(makePod('p').withPVCs('c').build(), [store.nodeLike('n1')!, store.nodeLike('n2')!], store);
    expect(d.kind === 'evaluated' && d.nodes.map((n) => n.staticBindings.map((b) => b.pv.name))).toEqual([['n1-small'], ['n2-only']]);
  });

  it('nodeLike is one object per Node version: the same across calls, replaced on update, gone on delete', () => {
    const store = new ClusterStore();
    store.upsert('Node', makeNode('n1', { zone: 'a' }).build());
    const first = store.nodeLike('n1');
    expect(store.nodeLike('n1')).toBe(first);
    expect(first).toEqual({ name: 'n1', labels: expect.objectContaining({ zone: 'a' }) as unknown, slot: 0 });
    store.upsert('Node', makeNode('n1', { zone: 'b' }).build());
    expect(store.nodeLike('n1')).not.toBe(first);
    expect(store.nodeLike('n1')!.labels.zone).toBe('b');
    store.remove('Node', makeNode('n1').build());
    expect(store.nodeLike('n1')).toBeUndefined();
  });

  it('nodeLikes(names) equals nodeLike per name across reorders, deletes, slot reuse and unknown names', () => {
    const store = new ClusterStore();
    const names = ['n0', 'n1', 'n2', 'n3', 'n4'];
    for (const n of names) store.upsert('Node', makeNode(n).build());
    const same = (list: readonly string[]): void => {
      expect(store.nodeLikes(list)).toEqual(list.map((n) => store.nodeLike(n)));
      list.forEach((n, i) => {
        expect(store.nodeLikes(list)[i]).toBe(store.nodeLike(n));
      });
    };
    same(names);
    same(names); // served from the position hints
    same([...names].reverse());
    same(['n1', 'ghost', 'n3']);
    store.remove('Node', makeNode('n2').build());
    same(names); // n2 is gone: undefined at its position
    store.upsert('Node', makeNode('n9').build()); // takes n2's slot
    same(names);
    same(['n0', 'n1', 'n9', 'n3', 'n4']);
    store.upsert('Node', makeNode('n3', { zone: 'new' }).build()); // a new NodeLike for n3
    same(['n0', 'n1', 'n9', 'n3', 'n4', 'n5', 'n6']);
    expect(store.nodeLikes([])).toEqual([]);
  });

  it('node slots are dense, stable across updates and reused after a delete', () => {
    const store = new ClusterStore();
    for (const n of ['n1', 'n2', 'n3']) store.upsert('Node', makeNode(n).build());
    expect(['n1', 'n2', 'n3'].map((n) => store.nodeLike(n)!.slot)).toEqual([0, 1, 2]);
    store.upsert('Node', makeNode('n2', { zone: 'z' }).build());
    expect(store.nodeLike('n2')!.slot).toBe(1);
    store.remove('Node', makeNode('n2').build());
    store.upsert('Node', makeNode('n4').build());
    expect(store.nodeLike('n4')!.slot).toBe(1);
    store.upsert('Node', makeNode('n5').build());
    expect(store.nodeLike('n5')!.slot).toBe(3);
  });

  it('an updated PV (new resourceVersion) with a new affinity moves to the new group', () => {
    const store = makeStore(makeSC(WAIT_SC), makePVC('c', WAIT_SC).withRequest('1Gi'));
    const pv = (host: string, rv: string): PersistentVolume =>
      makePV('pv', WAIT_SC).withNodeAffinity({ 'kubernetes.io/hostname': [host] }).withCapacity('5Gi').withRV(rv).build();
    store.upsert('PersistentVolume', pv('n1', '1'));
    store.upsert('PersistentVolume', pv('n2', '2'));
    const staticPVs = (host: string): string[] | undefined => {
      const d = filterPod(makePod('p').withPVCs('c').build(), [{ name: host, labels: { 'kubernetes.io/hostname': host } }], store);
      return d.kind === 'evaluated' ? d.nodes[0]!.staticBindings.map((b) => b.pv.name) : undefined;
    };
    // (The class can also provision, so both nodes fit; only n2 has the PV.)
    expect(staticPVs('n1')).toEqual([]);
    expect(staticPVs('n2')).toEqual(['pv']);
  });
});
