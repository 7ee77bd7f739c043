/**
 * Property tests over random small clusters (test/fixtures/arbitraries.ts):
 *  (1) the indexed engine equals the brute-force reference (per-node fits, reasons, static
 *      bindings, provisions; and FindMatchingVolume claim by claim);
 *  (2) filterPod returns exactly one result per input node, in input order;
 *  (3) a node plan never assigns one PV to two claims, and covers every delay claim once;
 *  (4) scores stay in 0..100 (null only for non-fitting nodes) and priorities in 0..10;
 *  (5) bindVolumeToClaim is idempotent and never mutates its inputs.
 * Plus index maintenance under random upserts/removals/assumptions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterStore } from '../../src/cluster/store.js';
import { bindVolumeToClaim } from '../../src/engine/bind-plan.js';
import { preparePod } from '../../src/engine/claims.js';
import { filterPod, filterPodVerdicts, type PodDecision, rejection } from '../../src/engine/filter.js';
import { findMatchingVolume } from '../../src/engine/matching.js';
import { MutablePVClassIndex } from '../../src/engine/pv-index.js';
import { scoreNodes, type ScoringPolicy, type ShapePoint, toExtenderPriority } from '../../src/engine/score.js';
import { compileNodeSelector, selectorMatches } from '../../src/engine/selectors.js';
import { TopologyIndex } from '../../src/engine/topology-index.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../src/engine/types.js';
import { affinityArb, NS, nodeLikes, nodesArb, pvArb, storeOf, type World, worldArb } from '../fixtures/arbitraries.js';
import { refFilterPod, refFindMatchingVolume, refListOrder, refNodeSelectorMatches, refPVClass, type RefDecision } from '../fixtures/reference.js';
import { mulberry32 } from '../../bench/fixtures.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 400);

type Normal =
  | { kind: 'skip' }
  | { kind: 'unschedulable'; reason: string }
  | { kind: 'error'; error: string }
  | { kind: 'evaluated'; nodes: { node: string; fits: boolean; reasons: readonly string[]; bindings: [string, string][]; provisions: [string, string | null][] }[] };

function normalize(d: PodDecision): Normal {
  switch (d.kind) {
    case 'skip':
      return { kind: 'skip' };
    case 'unschedulable':
      return { kind: 'unschedulable', reason: d.reason };
    case 'error':
      return { kind: 'error', error: d.error };
    case 'evaluated':
      return {
        kind: 'evaluated',
        nodes: d.nodes.map((n) => ({
          node: n.node,
          fits: n.fits,
          reasons: n.reasons,
          bindings: n.staticBindings.map((b): [string, string] => [b.claim.name, b.pv.name]),
          provisions: n.provisions.map((p): [string, string | null] => [p.claim.name, p.capacity?.key ?? null]),
        })),
      };
  }
}

function normalizeRef(d: RefDecision): Normal {
  if (d.kind !== 'evaluated') return d;
  return { kind: 'evaluated', nodes: d.nodes.map((n) => ({ node: n.node, fits: n.fits, reasons: n.reasons, bindings: n.bindings.map(([a, b]) => [a, b]), provisions: n.provisions.map(([a, b]) => [a, b]) })) };
}

function expectSameDecision(engine: Normal, ref: Normal): void {
  if (engine.kind === 'error' && ref.kind === 'error') {
    // The reference reproduces the upstream prefix; the engine appends the parser's detail.
    expect(engine.error.startsWith(ref.error)).toBe(true);
    return;
  }
  expect(engine).toEqual(ref);
}

describe('property (1): indexed engine ≡ brute-force reference', () => {
  it('filterPod per-node fits / reasons / staticBindings / provisions equal the reference', () => {
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(worldArb, (w) => {
        const store = storeOf(w);
        const nodes = nodeLikes(w);
        const engine = normalize(filterPod(w.pod, nodes, store));
        const ref = normalizeRef(refFilterPod(w.pod, nodes, w));
        kinds.set(engine.kind, (kinds.get(engine.kind) ?? 0) + 1);
        expectSameDecision(engine, ref);
      }),
      { numRuns: RUNS },
    );
    // The generator must reach every decision kind, or the comparison proves little.
    expect([...kinds.keys()].sort()).toEqual(['error', 'evaluated', 'unschedulable']);
    expect(kinds.get('evaluated')!).toBeGreaterThan(RUNS / 3);
  });

  it('FindMatchingVolume claim by claim, node by node, with random excluded sets', () => {
    let matched = 0;
    fc.assert(
      fc.property(worldArb, fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 3 }), (w, excludedIdx) => {
        const store = storeOf(w);
        const excluded = new Set(excludedIdx.map((i) => `pv-${i}`));
        // One single-claim pod per claim, so one unusable claim does not hide the others.
        const claims = w.pvcs.flatMap((pvc) => {
          const prep = preparePod({ metadata: { name: 'solo', namespace: NS, uid: 'uid-solo' }, spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: pvc.metadata!.name! } }] } }, store);
          return prep.kind === 'ready' ? prep.claims.delay : [];
        });
        for (const claim of claims) {
          const candidates = refListOrder(w.pvs.filter((p) => refPVClass(p) === claim.className));
          for (const node of nodeLikes(w)) {
            let engine: string | undefined;
            let engineErr: string | undefined;
            try {
              engine = findMatchingVolume(claim, store.pvClass(claim.className), node, excluded)?.name;
            } catch (e) {
              engineErr = (e as Error).message;
            }
            let ref: string | undefined;
            let refErr: string | undefined;
            try {
              ref = refFindMatchingVolume(claim.pvc, candidates, node.labels, excluded)?.metadata?.name;
            } catch (e) {
              refErr = (e as Error).message;
            }
            expect(engineErr === undefined).toBe(refErr === undefined);
            if (refErr !== undefined) expect(engineErr!.startsWith(refErr)).toBe(true);
            expect(engine).toBe(ref);
            if (engine !== undefined) matched++;
          }
        }
      }),
      { numRuns: RUNS },
    );
    // Non-vacuous: typically ~70 matches per 400 runs; the floor leaves room for seed variance.
    expect(matched).toBeGreaterThan(RUNS / 20);
  });

  it('filterPodVerdicts (the filter verb) gives the filterPod decision, node by node', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const store = storeOf(w);
        const nodes = [...nodeLikes(w), ...store.nodeLikes(nodeLikes(w).map((n) => n.name)).flatMap((n) => (n ? [n] : []))];
        const full = filterPod(w.pod, nodes, store);
        const v = filterPodVerdicts(w.pod, nodes, store);
        expect(v.kind).toBe(full.kind);
        if (v.kind === 'error' && full.kind === 'error') expect(v.error).toBe(full.error);
        if (v.kind === 'unschedulable' && full.kind === 'unschedulable') expect([v.reason, v.code]).toEqual([full.reason, full.code]);
        if (v.kind === 'evaluated') {
          expect(v.verdicts).toHaveLength(nodes.length);
          const asResults = [...v.verdicts].map((x) => (x === 0 ? { fits: true, reasons: [] as readonly string[] } : { fits: false, reasons: rejection(x).reasons }));
          expect(asResults).toEqual(full.nodes.map((n) => ({ fits: n.fits, reasons: n.reasons })));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('explain mode never changes the decision', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const store = storeOf(w);
        const nodes = nodeLikes(w);
        expect(normalize(filterPod(w.pod, nodes, store, { explain: true }))).toEqual(normalize(filterPod(w.pod, nodes, store)));
      }),
      { numRuns: 150 },
    );
  });
});

describe('property (1b): dense candidate lists (many ties, few affinity groups)', () => {
  // Few sizes and few affinity shapes, so equal-capacity candidates share index groups.
  const densePV = (i: number): fc.Arbitrary<PersistentVolume> =>
    fc
      .record({
        cap: fc.constantFrom('1Gi', '2Gi'),
        host: fc.constantFrom<string | undefined>(undefined, undefined, 'node-0', 'node-1'),
        phase: fc.constantFrom('Available', 'Available', 'Available', 'Released'),
        ref: fc.constantFrom<string | undefined>(undefined, undefined, undefined, undefined, 'c0', 'c1'),
        modes: fc.constantFrom<string[]>(['ReadWriteOnce'], ['ReadWriteOnce', 'ReadOnlyMany'], ['ReadOnlyMany']),
      })
      .map(({ cap, host, phase, ref, modes }): PersistentVolume => {
        const pv: PersistentVolume = { metadata: { name: `pv-${i}` }, spec: { storageClassName: 'wait', capacity: { storage: cap }, accessModes: modes }, status: { phase } };
        if (host !== undefined) pv.spec!.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] }] } };
        if (ref !== undefined) pv.spec!.claimRef = { namespace: NS, name: ref };
        return pv;
      });

  it('indexed FindMatchingVolume equals the reference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => densePV(i)))),
        fc.constantFrom('500Mi', '1Gi', '2Gi'),
        fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }),
        (pvs, request, excludedIdx) => {
          const store = new ClusterStore();
          const sc: StorageClass = { metadata: { name: 'wait' }, provisioner: 'x', volumeBindingMode: 'WaitForFirstConsumer' };
          store.upsert('StorageClass', sc);
          for (const c of ['c0', 'c1']) {
            const pvc: PersistentVolumeClaim = { metadata: { name: c, namespace: NS, uid: `uid-${c}` }, spec: { storageClassName: 'wait', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: request } } } };
            store.upsert('PersistentVolumeClaim', pvc);
          }
          for (const pv of pvs) store.upsert('PersistentVolume', pv);
          const excluded = new Set(excludedIdx.map((i) => `pv-${i}`));
          const cands = refListOrder(pvs);
          for (const c of ['c0', 'c1']) {
            const prep = preparePod({ metadata: { name: 'p', namespace: NS }, spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: c } }] } }, store);
            if (prep.kind !== 'ready') throw new Error(prep.kind);
            const claim = prep.claims.delay[0]!;
            for (const node of ['node-0', 'node-1']) {
              const labels = { 'kubernetes.io/hostname': node };
              const engine = findMatchingVolume(claim, store.pvClass('wait'), { name: node, labels }, excluded)?.name;
              expect(engine).toBe(refFindMatchingVolume(claim.pvc, cands, labels, excluded)?.metadata?.name);
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('property (2): one result per input node', () => {
  it('filterPod returns the input nodes, in order, each once', () => {
    fc.assert(
      fc.property(worldArb, fc.boolean(), (w, reverse) => {
        const nodes = nodeLikes(w);
        if (reverse) nodes.reverse();
        const d = filterPod(w.pod, nodes, storeOf(w));
        expect(d.nodes.map((n) => n.node)).toEqual(nodes.map((n) => n.name));
        for (const n of d.nodes) {
          expect(n.fits).toBe(n.reasons.length === 0 && d.kind !== 'error' && d.kind !== 'unschedulable');
          if (!n.fits) {
            expect(n.staticBindings).toHaveLength(0);
            expect(n.provisions).toHaveLength(0);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('property (3): node plans are consistent', () => {
  it('no PV serves two claims; every delay claim appears exactly once in a fitting plan', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const store = storeOf(w);
        const d = filterPod(w.pod, nodeLikes(w), store);
        if (d.kind !== 'evaluated') return;
        const delay = d.claims.delay.map((c) => c.name).sort();
        for (const n of d.nodes) {
          const pvs = n.staticBindings.map((b) => b.pv.name);
          expect(new Set(pvs).size).toBe(pvs.length);
          for (const b of n.staticBindings) {
            // Either free or pre-bound to exactly this claim.
            const ref = b.pv.pv.spec?.claimRef;
            if (ref) expect([ref.namespace, ref.name]).toEqual([NS, b.claim.name]);
            expect(b.pv.capacity).toBeGreaterThanOrEqual(b.claim.request ?? 0);
          }
          if (n.fits) {
            const covered = [...n.staticBindings.map((b) => b.claim.name), ...n.provisions.map((p) => p.claim.name)].sort();
            expect(covered).toEqual(delay);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});

const shapeArb: fc.Arbitrary<ShapePoint[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 4 })
  .chain((us) => fc.tuple(...us.sort((a, b) => a - b).map((u) => fc.integer({ min: 0, max: 10 }).map((score) => ({ utilization: u, score })))));

const policyArb: fc.Arbitrary<ScoringPolicy> = fc.record({
  capacity: fc.record({ enabled: fc.boolean(), scoreDynamicProvisions: fc.boolean(), shape: shapeArb, weight: fc.integer({ min: 0, max: 5 }) }),
  spreading: fc.record({ enabled: fc.boolean(), topologyKeys: fc.subarray(['topology.kubernetes.io/zone', 'rack', 'kubernetes.io/hostname']), weight: fc.integer({ min: 0, max: 5 }) }),
});

describe('property (4): score ranges', () => {
  it('scores are integers in 0..100, null only for non-fitting nodes or scoring off; priorities 0..10', () => {
    fc.assert(
      fc.property(worldArb, policyArb, (w, pol) => {
        const store = storeOf(w);
        const nodes = nodeLikes(w);
        const d = filterPod(w.pod, nodes, store);
        const scores = scoreNodes(w.pod, d, nodes, pol, store);
        expect(scores).toHaveLength(nodes.length);
        const off = (pol.capacity.enabled ? pol.capacity.weight : 0) + (pol.spreading.enabled ? pol.spreading.weight : 0) === 0;
        scores.forEach((s, i) => {
          if (off || !d.nodes[i]!.fits) expect(s).toBeNull();
          else {
            expect(Number.isInteger(s)).toBe(true);
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(100);
          }
          const p = toExtenderPriority(s);
          expect(Number.isInteger(p) && p >= 0 && p <= 10).toBe(true);
        });
      }),
      { numRuns: RUNS },
    );
  });
});

const claimForBind: fc.Arbitrary<PersistentVolumeClaim> = fc
  .record({
    name: fc.constantFrom('c0', 'c1'),
    namespace: fc.constantFrom<string | undefined>(NS, NS, 'other', undefined),
    uid: fc.constantFrom<string | undefined>('uid-c0', 'uid-c1', '', undefined),
    rv: fc.constantFrom<string | undefined>('7', undefined),
  })
  .map((r) => {
    const m: Record<string, string> = { name: r.name };
    if (r.namespace !== undefined) m.namespace = r.namespace;
    if (r.uid !== undefined) m.uid = r.uid;
    if (r.rv !== undefined) m.resourceVersion = r.rv;
    return { metadata: m };
  });

const pvForBind: fc.Arbitrary<PersistentVolume> = fc
  .record({ pv: pvArb(0), bbc: fc.constantFrom<string | undefined>(undefined, 'yes', 'no'), nsRef: fc.constantFrom<string | undefined>(undefined, NS, 'other') })
  .map(({ pv, bbc, nsRef }) => {
    const out = structuredClone(pv);
    if (bbc !== undefined) out.metadata = { ...out.metadata, annotations: { ...(out.metadata?.annotations ?? {}), 'pv.kubernetes.io/bound-by-controller': bbc } };
    if (out.spec?.claimRef && nsRef !== NS) {
      if (nsRef === undefined) delete out.spec.claimRef.namespace;
      else out.spec.claimRef.namespace = nsRef;
    }
    return out;
  });

describe('property (5): bindVolumeToClaim', () => {
  it('is idempotent, binds to the claim, and never mutates its inputs', () => {
    fc.assert(
      fc.property(pvForBind, claimForBind, (pv, pvc) => {
        const pvBefore = structuredClone(pv);
        const pvcBefore = structuredClone(pvc);
        const first = bindVolumeToClaim(pv, pvc);
        expect(pv).toEqual(pvBefore);
        expect(pvc).toEqual(pvcBefore);
        const out = first.pv.spec?.claimRef;
        expect([out?.name, out?.namespace, out?.uid ?? '']).toEqual([pvc.metadata!.name, pvc.metadata!.namespace ?? 'default', pvc.metadata!.uid ?? '']);
        // R9.2: bound-by-controller is added unless the PV was already bound to this claim (R5.4)
        // or already carries the annotation.
        const ref = pv.spec?.claimRef;
        const m = pvc.metadata!;
        const wasBound = !!ref && ref.name === m.name && (ref.namespace ?? '') === (m.namespace ?? 'default') && (!ref.uid || ref.uid === (m.uid ?? ''));
        const hadAnn = pv.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'];
        expect(first.pv.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBe(hadAnn ?? (wasBound ? undefined : 'yes'));
        const changed = JSON.stringify(first.pv) !== JSON.stringify(pv);
        expect(first.dirty).toBe(changed);
        const second = bindVolumeToClaim(first.pv, pvc);
        expect(second.dirty).toBe(false);
        expect(second.pv).toEqual(first.pv);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('index maintenance', () => {
  type Op =
    | { kind: 'upsert'; pv: PersistentVolume }
    | { kind: 'remove'; name: string }
    | { kind: 'assume'; name: string; claim: string }
    | { kind: 'restore'; name: string }
    | { kind: 'relabel'; node: number; labels: Record<string, string> };

  const opsArb: fc.Arbitrary<Op[]> = fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 0, max: 5 }).chain((i) => pvArb(i)).map((pv): Op => ({ kind: 'upsert', pv })) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 5 }).map((i): Op => ({ kind: 'remove', name: `pv-${i}` })) },
      { weight: 2, arbitrary: fc.record({ i: fc.integer({ min: 0, max: 5 }), claim: fc.constantFrom('c0', 'c1', 'c2') }).map(({ i, claim }): Op => ({ kind: 'assume', name: `pv-${i}`, claim })) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map((i): Op => ({ kind: 'restore', name: `pv-${i}` })) },
      {
        weight: 1,
        arbitrary: fc
          .record({ node: fc.nat(5), host: fc.constantFrom('node-0', 'node-1', 'node-2'), zone: fc.constantFrom('z1', 'z2'), rack: fc.constantFrom('r1', 'r2', 'r3') })
          .map(({ node, host, zone, rack }): Op => ({ kind: 'relabel', node, labels: { 'kubernetes.io/hostname': host, 'topology.kubernetes.io/zone': zone, rack } })),
      },
    ),
    { maxLength: 25 },
  );

  /** Every claim of the pod on every node (the store's slotted NodeLikes and plain ones) equals the reference over the effective PVs. */
  function expectMatchingAsReference(store: ClusterStore, w: World): void {
    // The effective PV set: assumed copies over informer copies.
    const effective = store
      .list('PersistentVolume')
      .map((p) => p.metadata!.name!)
      .map((n) => store.pv(n)!.pv);
    const prep = preparePod(w.pod, store);
    if (prep.kind !== 'ready') return;
    const nodes = [...store.nodeNames().map((n) => store.nodeLike(n)!), ...store.nodeNames().map((n) => ({ name: n, labels: store.nodeLike(n)!.labels }))];
    for (const claim of prep.claims.claims) {
      if (claim.selectorError !== undefined) continue;
      const cands = refListOrder(effective.filter((p) => refPVClass(p) === claim.className));
      for (const node of nodes) {
        const engine = findMatchingVolume(claim, store.pvClass(claim.className), node, new Set())?.name;
        expect(engine).toBe(refFindMatchingVolume(claim.pvc, cands, node.labels, new Set())?.metadata?.name);
      }
    }
    // Class index sizes match the effective PVs.
    for (const cls of ['wait', 'noprov', 'other']) expect(store.pvClass(cls).size).toBe(effective.filter((p) => refPVClass(p) === cls).length);
  }

  it('after random upserts / removals / assumptions / node relabels, matching equals the reference on the effective PVs', () => {
    fc.assert(
      fc.property(worldArb, opsArb, fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }), (w, ops, checkAfter) => {
        const store = storeOf(w);
        let rv = 100;
        // Lookups between changes exercise the in-place paths of the dense layout (tombstones,
        // swaps) as well as the rebuilds, and node relabels the per-node rows.
        expectMatchingAsReference(store, w);
        ops.forEach((op, i) => {
          if (op.kind === 'upsert') {
            const pv = structuredClone(op.pv);
            pv.metadata!.resourceVersion = String(++rv);
            store.upsert('PersistentVolume', pv);
          } else if (op.kind === 'remove') {
            if (store.apiPV(op.name)) store.remove('PersistentVolume', store.apiPV(op.name)!);
          } else if (op.kind === 'assume') {
            const api = store.apiPV(op.name);
            const pvc = store.apiPVC(NS, op.claim);
            if (api && pvc) store.assumePV(bindVolumeToClaim(api, pvc).pv);
          } else if (op.kind === 'relabel') {
            const node = w.nodes[op.node % Math.max(1, w.nodes.length)];
            if (node) store.upsert('Node', { ...node, metadata: { ...node.metadata, labels: { ...op.labels } } });
          } else store.restorePV(op.name);
          if (checkAfter[i] === true) expectMatchingAsReference(store, w);
        });
        expectMatchingAsReference(store, w);
      }),
      { numRuns: 250 },
    );
  });

  it('large index: tombstone compaction, empty-group dropping and slot reuse keep matching equal to the reference', () => {
    // Deterministic, and large enough to cross the compaction (1,024 tombstones, over half the
    // layout) and empty-group (64, over a quarter of the groups) thresholds, with lookups between.
    const rnd = ((r) => (n: number): number => Math.floor(r() * n))(mulberry32(7));
    const store = new ClusterStore();
    const sc: StorageClass = { metadata: { name: 'wait' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' };
    store.upsert('StorageClass', sc);
    const NODES = 100;
    const PER_NODE = 16;
    const host = (i: number): string => `n${i}`;
    const nodeObj = (i: number, zone: string): Parameters<ClusterStore['upsert']>[1] => ({ metadata: { name: host(i), labels: { 'kubernetes.io/hostname': host(i), zone } } });
    for (let i = 0; i < NODES; i++) store.upsert('Node', nodeObj(i, `z${i % 3}`));
    const pvs = new Map<string, PersistentVolume>();
    let rv = 0;
    /** PV i lives on node floor(i / PER_NODE), every 17th is zonal instead. */
    const put = (i: number, claimed: boolean): void => {
      const zonal = i % 17 === 0;
      const pv: PersistentVolume = {
        metadata: { name: `pv-${String(i).padStart(5, '0')}`, resourceVersion: String(++rv) },
        spec: {
          storageClassName: 'wait',
          capacity: { storage: `${[10, 20, 50][i % 3]}Gi` },
          accessModes: ['ReadWriteOnce'],
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [zonal ? { key: 'zone', operator: 'In', values: [`z${i % 3}`] } : { key: 'kubernetes.io/hostname', operator: 'In', values: [host(Math.floor(i / PER_NODE))] }] }] } },
          ...(claimed ? { claimRef: { namespace: 'other', name: `c-${i}` } } : {}),
        },
        status: { phase: claimed ? 'Bound' : 'Available' },
      };
      pvs.set(pv.metadata!.name!, pv);
      store.upsert('PersistentVolume', pv);
    };
    const PVS = NODES * PER_NODE;
    for (let i = 0; i < PVS; i++) put(i, false);
    const pvc: PersistentVolumeClaim = { metadata: { name: 'c', namespace: NS, uid: 'uid-c' }, spec: { storageClassName: 'wait', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '15Gi' } } } };
    store.upsert('PersistentVolumeClaim', pvc);
    const prep = preparePod({ metadata: { name: 'p', namespace: NS }, spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'c' } }] } }, store);
    if (prep.kind !== 'ready') throw new Error(prep.kind);
    const claim = prep.claims.delay[0]!;
    const index = store.pvClass('wait');
    if (!(index instanceof MutablePVClassIndex)) throw new Error('expected the store to keep a MutablePVClassIndex');
    let checks = 0;
    let matched = 0;
    const check = (): void => {
      const cands = refListOrder([...pvs.values()]);
      for (let k = 0; k < 10; k++) {
        const like = store.nodeLike(host(rnd(NODES)));
        if (!like) continue;
        const engine = findMatchingVolume(claim, index, like, new Set())?.name;
        expect(engine).toBe(refFindMatchingVolume(claim.pvc, cands, like.labels, new Set())?.metadata?.name);
        checks++;
        if (engine !== undefined) matched++;
      }
    };
    check();
    const before = index.layoutStats();
    // Phase 1: claim nodes' PVs in node order: tombstones pile up, nodes' groups run empty.
    for (let i = 0; i < 0.9 * PVS; i++) {
      put(i, true);
      if (i % 40 === 0) check();
    }
    check();
    const afterClaims = index.layoutStats();
    expect(afterClaims.layouts).toBeGreaterThan(before.layouts); // the compaction ran
    expect(afterClaims.groups).toBeLessThan(before.groups); // empty groups were dropped
    // Phase 2: random claims and releases, node deletes / re-adds (slot reuse) and relabels.
    for (let round = 0; round < 1500; round++) {
      put(rnd(PVS), rnd(10) < 6);
      if (round % 20 === 0) check();
      if (round % 150 === 0) {
        const n = rnd(NODES);
        store.remove('Node', nodeObj(n, 'z0'));
        store.upsert('Node', nodeObj(NODES + round, 'z1'));
        check();
        store.remove('Node', nodeObj(NODES + round, 'z1'));
        store.upsert('Node', nodeObj(n, `z${rnd(3)}`));
      }
      if (round % 300 === 0) {
        const name = `pv-${String(rnd(PVS)).padStart(5, '0')}`;
        const old = pvs.get(name);
        if (old) {
          pvs.delete(name);
          store.remove('PersistentVolume', old);
        }
      }
    }
    check();
    expect(checks).toBeGreaterThan(900);
    expect(matched).toBeGreaterThan(100);
    expect(matched).toBeLessThan(checks);
  });

  it('TopologyIndex lookup equals evaluating every selector (and the reference) on random nodes', () => {
    fc.assert(
      fc.property(fc.array(affinityArb, { maxLength: 8 }), nodesArb, (affinities, nodes) => {
        const idx = new TopologyIndex<number>();
        const compiled = affinities.map((a) => (a?.required ? compileNodeSelector(a.required) : compileNodeSelector(null)));
        compiled.forEach((s, i) => { idx.add(i, s); });
        for (const n of nodes) {
          const labels = n.metadata!.labels ?? {};
          const want = compiled.flatMap((s, i) => (selectorMatches(s, labels) ? [i] : []));
          expect(idx.matching(labels).sort((a, b) => a - b)).toEqual(want);
          affinities.forEach((a, i) => {
            expect(selectorMatches(compiled[i]!, labels)).toBe(a?.required ? refNodeSelectorMatches(a.required, labels) : true);
          });
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('generator sanity', () => {
  it('produces clusters where static binding, provisioning and every reason occur', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(worldArb, (w: World) => {
        const d = filterPod(w.pod, nodeLikes(w), storeOf(w));
        for (const n of d.nodes) {
          for (const r of n.reasons) seen.add(r);
          if (n.staticBindings.length > 0) seen.add('static');
          if (n.provisions.length > 0) seen.add('provision');
        }
      }),
      { numRuns: RUNS },
    );
    const required = [
      'static',
      'provision',
      "node(s) didn't match PersistentVolume's node affinity",
      "node(s) didn't find available persistent volumes to bind",
      'node(s) did not have enough free storage',
      'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
      'pod has unbound immediate PersistentVolumeClaims',
      'persistentvolumeclaim "missing" not found',
    ];
    expect(required.filter((r) => !seen.has(r))).toEqual([]);
    expect([...seen].some((r) => r.endsWith('is being deleted'))).toBe(true);
    expect([...seen].some((r) => r.includes('bound to non-existent persistentvolume'))).toBe(true);
  });
});
