/**
 * Static (pre-provisioned) volume scenarios against a real control plane, mirroring upstream
 * test/integration/volumescheduling (TestVolumeBinding, TestPVAffinityConflict,
 * TestVolumeBindingStress). Every scenario asserts where its pods land, which PV each claim
 * binds and, for pods that must stay Pending, the exact PodScheduled=False condition message.
 *
 * Scenarios run one after another on one control plane. After each one its pods and nodes are
 * deleted, so the "0/N nodes are available" count in the next scenario's messages is exactly
 * that scenario's own nodes.
 */
import { readFileSync } from 'node:fs';
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from './harness/controlplane.js';
import { claim, localPV, type NodeSpec, pod, SCENARIO_LABEL, Scenario, storageClass, waitFor } from './harness/kube.js';

const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
const HOST = 'kubernetes.io/hostname';

// Reason strings as kube-scheduler renders them (framework FitError + DefaultPreemption).
const BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
const PV_AFFINITY = "node(s) didn't match PersistentVolume's node affinity";
const POD_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
const UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
/** In-tree VolumeZone PreFilter for an unbound claim of an existing non-WaitForFirstConsumer class. */
const VOLUMEZONE_UNBOUND = 'PersistentVolume had no name';

/**
 * The full FailedScheduling message for `n` nodes that all fail with UnschedulableAndUnresolvable
 * statuses: the reason histogram sorted as strings (FitError.Error), then DefaultPreemption's
 * PostFilter message, which for unresolvable-only nodes is its own FitError whose nodes are all
 * "Preemption is not helpful for scheduling".
 */
function fitMessage(n: number, histogram: Record<string, number>): string {
  const parts = Object.entries(histogram)
    .map(([reason, count]) => `${count} ${reason}`)
    .sort();
  return `0/${n} nodes are available: ${parts.join(', ')}. preemption: 0/${n} nodes are available: ${n} Preemption is not helpful for scheduling.`;
}

/**
 * A PreFilter rejection: the plugin's message once (not per node), then the PostFilter text.
 * kube-scheduler v1.37's DynamicResources PostFilter runs even when an earlier PreFilter plugin
 * stopped the cycle, finds no cycle state of its own and fails with the bare error "not found",
 * which ends PostFilter before DefaultPreemption: hence " not found" instead of a preemption text.
 */
function preFilterMessage(n: number, msg: string): string {
  return `0/${n} nodes are available: ${msg}. not found`;
}

function exactly(s: string): RegExp {
  return new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
}

/** The node a local PV is pinned to (its single hostname In term, as built by localPV). */
function pvNode(pv: V1PersistentVolume): string {
  const expr = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0];
  if (expr?.key !== HOST || expr.values?.length !== 1) throw new Error(`PV ${pv.metadata?.name ?? '?'} is not pinned to one hostname`);
  return expr.values[0]!;
}

function hostPV(name: string, cls: string, size: string, node: string, extra: Partial<V1PersistentVolume['spec']> = {}): V1PersistentVolume {
  return localPV(name, cls, size, { key: HOST, values: [node] }, extra);
}

function nodes(id: string, count: number, extra: (i: number) => Partial<NodeSpec> = () => ({})): NodeSpec[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${id}-n${i + 1}`, ...extra(i + 1) }));
}

describe('static volumes: real kube-scheduler + extender + PV controller', () => {
  let cp: ControlPlane | undefined;
  let extenderLogOffset = 0;
  const scenarios: Scenario[] = [];

  const scenario = (id: string): Scenario => {
    const s = new Scenario(id, cp!.core, cp!.storage);
    scenarios.push(s);
    return s;
  };

  /** Claim → its bound PV, checking both sides of the binding (PV claimRef uid = claim uid). */
  async function boundTo(s: Scenario, claimName: string, timeoutMs = 60_000): Promise<V1PersistentVolume> {
    const pvName = await s.bound(claimName, timeoutMs);
    const c = await s.readPVC(claimName);
    const pv = await s.readPV(pvName);
    expect(pv.spec?.claimRef, `PV ${pvName} claimRef`).toMatchObject({ namespace: s.ns, name: claimName, uid: c.metadata?.uid });
    expect(pv.status?.phase, `PV ${pvName} phase`).toBe('Bound');
    return pv;
  }

  /** POSTs the extender's filter verb directly, as kube-scheduler does (nodeCacheCapable). */
  async function extenderFilter(p: V1Pod, nodeNames: string[]): Promise<unknown> {
    const r = await fetch(`${cp!.extenderUrl!}/scheduler/filter`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ Pod: p, Nodes: null, NodeNames: nodeNames }),
    });
    expect(r.status).toBe(200);
    return r.json();
  }

  function extenderLog(): string {
    return readFileSync(cp!.procs.get('extender')!.logFile, 'utf8');
  }

  /** Asserts that a pending pod stays pending and that its claims were not touched. */
  async function staysPending(s: Scenario, podName: string, claims: readonly string[], pvNames: readonly string[], forMs = 3_000): Promise<void> {
    await new Promise((r) => setTimeout(r, forMs));
    expect((await s.readPod(podName)).spec?.nodeName, `pod ${podName} must stay Pending`).toBeFalsy();
    for (const c of claims) {
      const pvc = await s.readPVC(c);
      expect(pvc.status?.phase, `claim ${c}`).toBe('Pending');
      expect(pvc.spec?.volumeName ?? '', `claim ${c} volumeName`).toBe('');
    }
    for (const p of pvNames) {
      const pv = await s.readPV(p);
      expect(pv.spec?.claimRef, `PV ${p} must not be (pre)bound`).toBeUndefined();
      expect(pv.status?.phase, `PV ${p} phase`).toBe('Available');
    }
  }

  beforeAll(async () => {
    cp = await startControlPlane();
    // Warm-up: one volume-less pod through kube-scheduler and the extender's bind, so the first
    // scenario does not race the components' informer sync.
    const s = scenario('warmup');
    await s.setup(nodes('warmup', 1));
    await s.pod(pod(s.ns, 'warmup', 'warmup', []));
    await s.scheduled('warmup');
    await cleanup();
  });

  /** Deletes the scenarios' pods (grace 0: there is no kubelet) and nodes. */
  async function cleanup(): Promise<void> {
    const core = cp!.core;
    for (const s of scenarios.splice(0)) {
      const pods = await core.listNamespacedPod({ namespace: s.ns });
      await Promise.all(pods.items.map((p) => core.deleteNamespacedPod({ namespace: s.ns, name: p.metadata!.name!, gracePeriodSeconds: 0 })));
      const ns = await core.listNode({ labelSelector: `${SCENARIO_LABEL}=${s.id}` });
      await Promise.all(ns.items.map((n) => core.deleteNode({ name: n.metadata!.name! })));
    }
    await waitFor('scenario nodes to be gone', async () => ((await core.listNode()).items.length === 0 ? true : undefined), 30_000);
  }

  afterEach(async () => {
    await cleanup();
    // No scenario may leave an unhandled error in the extender log.
    const log = extenderLog();
    const fresh = log.slice(extenderLogOffset);
    extenderLogOffset = log.length;
    const bad = fresh.split('\n').filter((l) => /unhandled/i.test(l));
    expect(bad, 'extender log lines mentioning "unhandled"').toEqual([]);
  });

  afterAll(async () => {
    if (cp) {
      const all = extenderLog()
        .split('\n')
        .filter((l) => /unhandled/i.test(l));
      await cp.stop();
      expect(all, 'extender log lines mentioning "unhandled" (whole run)').toEqual([]);
    }
  });

  it('1. immediate claim: PV controller binds it, the pod (first rejected while unbound) lands on the PV node', async () => {
    const s = scenario('imm');
    await s.setup(nodes('imm', 2));
    await s.sc(storageClass('imm-immediate', NO_PROVISIONER, 'Immediate'));
    await s.pvc(claim(s.ns, 'data', 'imm-immediate', '5Gi'));
    await s.pod(pod(s.ns, 'app', 'imm', ['data']));

    // No PV yet. With VolumeBinding disabled, kube-scheduler's in-tree VolumeZone PreFilter is
    // the first to reject a pod with an unbound Immediate claim (PreFilter runs before any
    // extender is called), so the condition carries VolumeZone's PreFilter message, not the
    // extender's "pod has unbound immediate PersistentVolumeClaims".
    const msg = await s.unschedulable('app', exactly(preFilterMessage(2, VOLUMEZONE_UNBOUND)));
    console.log(`[imm] FailedScheduling: ${msg}`);
    expect((await s.readPVC('data')).status?.phase).toBe('Pending');
    // The extender itself, asked directly with the same pod, rejects every node with the
    // upstream VolumeBinding reason (as unresolvable, so preemption never evicts for it).
    const verdict = await extenderFilter(await s.readPod('app'), ['imm-n1', 'imm-n2']);
    expect(verdict).toEqual({
      Nodes: null,
      NodeNames: [],
      FailedNodes: {},
      FailedAndUnresolvableNodes: { 'imm-n1': UNBOUND_IMMEDIATE, 'imm-n2': UNBOUND_IMMEDIATE },
      Error: '',
    });

    await s.pv(hostPV('imm-pv', 'imm-immediate', '10Gi', 'imm-n2'));
    expect((await boundTo(s, 'data')).metadata?.name).toBe('imm-pv');
    expect(await s.scheduled('app')).toBe('imm-n2');
  });

  it('1b. claim pre-bound to a PV the PV controller cannot bind yet: the extender rejects every node with "pod has unbound immediate PersistentVolumeClaims"', async () => {
    const s = scenario('immx');
    await s.setup(nodes('immx', 3));
    await s.sc(storageClass('immx-wait', NO_PROVISIONER, 'WaitForFirstConsumer'));
    for (let i = 1; i <= 3; i++) await s.pv(hostPV(`immx-pv-n${i}`, 'immx-wait', '10Gi', `immx-n${i}`));
    // immx-pv-n2 is reserved for another claim (claimRef without uid), so the PV controller
    // leaves our claim, pre-bound to it, Pending ("volume already bound to different claim").
    const reserved = await s.readPV('immx-pv-n2');
    reserved.spec!.claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: s.ns, name: 'someone-else' };
    await cp!.core.replacePersistentVolume({ name: 'immx-pv-n2', body: reserved });
    await s.pvc(claim(s.ns, 'data', 'immx-wait', '5Gi', { volumeName: 'immx-pv-n2' }));
    await s.pod(pod(s.ns, 'app', 'immx', ['data']));

    // In-tree PreFilters pass (the PV exists), so this rejection is the extender's, repeated per
    // node (no PreFilter for extenders), unresolvable, hence "Preemption is not helpful".
    const msg = await s.unschedulable('app', exactly(fitMessage(3, { [UNBOUND_IMMEDIATE]: 3 })));
    console.log(`[immx] FailedScheduling: ${msg}`);
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await s.readPod('app')).spec?.nodeName).toBeFalsy();
    expect((await s.readPVC('data')).status?.phase).toBe('Pending');

    // Release the reservation: the PV controller completes the pre-binding, the pod follows.
    const pv = await s.readPV('immx-pv-n2');
    delete pv.spec!.claimRef;
    await cp!.core.replacePersistentVolume({ name: 'immx-pv-n2', body: pv });
    expect((await boundTo(s, 'data')).metadata?.name).toBe('immx-pv-n2');
    expect(await s.scheduled('app')).toBe('immx-n2');
    for (const p of ['immx-pv-n1', 'immx-pv-n3']) expect((await s.readPV(p)).spec?.claimRef, `PV ${p} stays unbound`).toBeUndefined();
  });

  it('2. WaitForFirstConsumer: lands on the only node with a fitting local PV and binds the smallest one there', async () => {
    const s = scenario('wait');
    await s.setup(nodes('wait', 4));
    await s.sc(storageClass('wait-local', NO_PROVISIONER, 'WaitForFirstConsumer'));
    await s.sc(storageClass('wait-other', NO_PROVISIONER, 'WaitForFirstConsumer'));
    await s.pv(hostPV('wait-pv-n1-small', 'wait-local', '5Gi', 'wait-n1')); // too small
    await s.pv(hostPV('wait-pv-n2-other', 'wait-other', '50Gi', 'wait-n2')); // other class
    await s.pv(hostPV('wait-pv-n3-100g', 'wait-local', '100Gi', 'wait-n3'));
    await s.pv(hostPV('wait-pv-n3-10g', 'wait-local', '10Gi', 'wait-n3'));
    await s.pv(hostPV('wait-pv-n3-20g', 'wait-local', '20Gi', 'wait-n3'));
    await s.pv(hostPV('wait-pv-n3-5g', 'wait-local', '5Gi', 'wait-n3')); // too small
    await s.pvc(claim(s.ns, 'data', 'wait-local', '8Gi'));
    await s.pod(pod(s.ns, 'app', 'wait', ['data']));

    expect(await s.scheduled('app')).toBe('wait-n3');
    expect((await boundTo(s, 'data')).metadata?.name).toBe('wait-pv-n3-10g');
    for (const p of ['wait-pv-n1-small', 'wait-pv-n2-other', 'wait-pv-n3-100g', 'wait-pv-n3-20g', 'wait-pv-n3-5g']) {
      expect((await s.readPV(p)).spec?.claimRef, `PV ${p} stays unbound`).toBeUndefined();
    }
  });

  it('3. wait pvc prebound: claim with spec.volumeName lands the pod on that PV node', async () => {
    const s = scenario('pvcpre');
    await s.setup(nodes('pvcpre', 3));
    await s.sc(storageClass('pvcpre-local', NO_PROVISIONER, 'WaitForFirstConsumer'));
    // Identical PVs on every node; only the pre-binding picks n3.
    for (let i = 1; i <= 3; i++) await s.pv(hostPV(`pvcpre-pv-n${i}`, 'pvcpre-local', '10Gi', `pvcpre-n${i}`));
    await s.pvc(claim(s.ns, 'data', 'pvcpre-local', '5Gi', { volumeName: 'pvcpre-pv-n3' }));
    await s.pod(pod(s.ns, 'app', 'pvcpre', ['data']));

    expect(await s.scheduled('app')).toBe('pvcpre-n3');
    expect((await boundTo(s, 'data')).metadata?.name).toBe('pvcpre-pv-n3');
  });

  it('4. wait pv prebound: PV with claimRef to the claim lands the pod on that PV node', async () => {
    const s = scenario('pvpre');
    await s.setup(nodes('pvpre', 3));
    await s.sc(storageClass('pvpre-local', NO_PROVISIONER, 'WaitForFirstConsumer'));
    await s.pv(hostPV('pvpre-pv-n1', 'pvpre-local', '10Gi', 'pvpre-n1'));
    await s.pv(hostPV('pvpre-pv-n2', 'pvpre-local', '10Gi', 'pvpre-n2', { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'e2e-pvpre', name: 'data' } }));
    await s.pv(hostPV('pvpre-pv-n3', 'pvpre-local', '10Gi', 'pvpre-n3'));
    await s.pvc(claim(s.ns, 'data', 'pvpre-local', '5Gi'));
    await s.pod(pod(s.ns, 'app', 'pvpre', ['data']));

    expect(await s.scheduled('app')).toBe('pvpre-n2');
    expect((await boundTo(s, 'data')).metadata?.name).toBe('pvpre-pv-n2');
  });

  it('5. wait can bind two: two claims land on the only node with two suitable PVs, one PV each', async () => {
    const s = scenario('two');
    await s.setup(nodes('two', 3));
    await s.sc(storageClass('two-local', NO_PROVISIONER, 'WaitForFirstConsumer'));
    await s.pv(hostPV('two-pv-n1', 'two-local', '10Gi', 'two-n1'));
    await s.pv(hostPV('two-pv-n2-a', 'two-local', '10Gi', 'two-n2'));
    await s.pv(hostPV('two-pv-n2-b', 'two-local', '10Gi', 'two-n2'));
    await s.pv(hostPV('two-pv-n3', 'two-local', '10Gi', 'two-n3'));
    await s.pvc(claim(s.ns, 'data-a', 'two-local', '5Gi'));
    await s.pvc(claim(s.ns, 'data-b', 'two-local', '5Gi'));
    await s.pod(pod(s.ns, 'app', 'two', ['data-a', 'data-b']));

    expect(await s.scheduled('app')).toBe('two-n2');
    const a = (await boundTo(s, 'data-a')).metadata?.name;
    const b = (await boundTo(s, 'data-b')).metadata?.name;
    expect([a, b].sort()).toEqual(['two-pv-n2-a', 'two-pv-n2-b']);
  });

  it('6. wait cannot bind two: every node has only one suitable PV → Pending, nothing bound', async () => {
    const s = scenario('cant');
    await s.setup(nodes('cant', 2));
    await s.sc(storageClass('cant-local', NO_PROVISIONER, 'WaitForFirstConsumer'));
    await s.pv(hostPV('cant-pv-n1', 'cant-local', '10Gi', 'cant-n1'));
    await s.pv(hostPV('cant-pv-n2', 'cant-local', '10Gi', 'cant-n2'));
    await s.pvc(claim(s.ns, 'data-a', 'cant-local', '5Gi'));
    await s.pvc(claim(s.ns, 'data-b', 'cant-local', '5Gi'));
    await s.pod(pod(s.ns, 'app', 'cant', ['data-a', 'data-b']));

    const msg = await s.unschedulable('app', exactly(fitMessage(2, { [BIND_CONFLICT]: 2 })));
    console.log(`[cant] FailedScheduling: ${msg}`);
    await staysPending(s, 'app', ['data-a', 'data-b'], ['cant-pv-n1', 'cant-pv-n2']);
  });

  it('7. mix immediate and wait: immediate claim bound on X pins the pod there; the wait claim binds X\'s PV', async () => {
    const s = scenario('mix');
    await s.setup(nodes('mix', 3));
    await s.sc(storageClass('mix-immediate', NO_PROVISIONER, 'Immediate'));
    await s.sc(storageClass('mix-wait', NO_PROVISIONER, 'WaitForFirstConsumer'));
    await s.pv(hostPV('mix-pv-imm', 'mix-immediate', '10Gi', 'mix-n2'));
    await s.pv(hostPV('mix-pv-wait-n1', 'mix-wait', '10Gi', 'mix-n1'));
    await s.pv(hostPV('mix-pv-wait-n2', 'mix-wait', '10Gi', 'mix-n2'));
    await s.pvc(claim(s.ns, 'imm', 'mix-immediate', '5Gi'));
    await s.pvc(claim(s.ns, 'wait', 'mix-wait', '5Gi'));
    await s.pod(pod(s.ns, 'app', 'mix', ['imm', 'wait']));

    expect(await s.scheduled('app')).toBe('mix-n2');
    expect((await boundTo(s, 'imm')).metadata?.name).toBe('mix-pv-imm');
    expect((await boundTo(s, 'wait')).metadata?.name).toBe('mix-pv-wait-n2');
    expect((await s.readPV('mix-pv-wait-n1')).spec?.claimRef).toBeUndefined();
  });

  it('8. PV affinity conflict: bound PV on node 1, nodeSelector excludes node 1 → Pending with both reasons', async () => {
    const s = scenario('conflict');
    await s.setup(nodes('conflict', 2));
    await s.sc(storageClass('conflict-immediate', NO_PROVISIONER, 'Immediate'));
    await s.pv(hostPV('conflict-pv', 'conflict-immediate', '10Gi', 'conflict-n1'));
    await s.pvc(claim(s.ns, 'data', 'conflict-immediate', '5Gi'));
    expect((await boundTo(s, 'data')).metadata?.name).toBe('conflict-pv');
    await s.pod(pod(s.ns, 'app', 'conflict', ['data'], { nodeSelector: { [HOST]: 'conflict-n2' } }));

    const msg = await s.unschedulable('app', exactly(fitMessage(2, { [POD_AFFINITY]: 1, [PV_AFFINITY]: 1 })));
    console.log(`[conflict] FailedScheduling: ${msg}`);
    expect(msg).toContain(POD_AFFINITY);
    expect(msg).toContain(PV_AFFINITY);
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await s.readPod('app')).spec?.nodeName).toBeFalsy();
    expect((await s.readPVC('data')).spec?.volumeName).toBe('conflict-pv');
  });

  it('9. StatefulSet-style set across racks: 3 pods, one claim each, every claim bound on its pod node, no PV shared', async () => {
    const s = scenario('sts');
    const racks = ['rack-a', 'rack-b', 'rack-c'];
    await s.setup(nodes('sts', 6, (i) => ({ rack: racks[Math.floor((i - 1) / 2)]! })));
    await s.sc(storageClass('sts-local', NO_PROVISIONER, 'WaitForFirstConsumer'));
    for (let i = 1; i <= 6; i++) await s.pv(hostPV(`sts-pv-n${i}`, 'sts-local', '10Gi', `sts-n${i}`));
    const ownerUid = 'f6e2a3b4-0000-4000-8000-000000000009';
    for (let i = 0; i < 3; i++) await s.pvc(claim(s.ns, `data-web-${i}`, 'sts-local', '5Gi'));
    for (let i = 0; i < 3; i++) await s.pod(pod(s.ns, `web-${i}`, 'sts', [`data-web-${i}`], { ownerUid }));

    const used = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const node = await s.scheduled(`web-${i}`);
      const pv = await boundTo(s, `data-web-${i}`);
      console.log(`[sts] web-${i} → ${node} (rack ${racks[Math.floor((Number(node.slice('sts-n'.length)) - 1) / 2)] ?? '?'}), data-web-${i} → ${pv.metadata?.name ?? '?'}`);
      expect(pvNode(pv), `PV of data-web-${i} must be on web-${i}'s node`).toBe(node);
      expect(used.has(pv.metadata!.name!), `PV ${pv.metadata?.name ?? '?'} shared`).toBe(false);
      used.add(pv.metadata!.name!);
    }
  });

  it('10. contention: 100 pods created at once compete for exactly 100 local PVs', { timeout: 600_000 }, async () => {
    const N_NODES = 20;
    const PER_NODE = 5;
    const N = N_NODES * PER_NODE;
    const s = scenario('storm');
    await s.setup(nodes('storm', N_NODES));
    await s.sc(storageClass('storm-local', NO_PROVISIONER, 'WaitForFirstConsumer'));
    const pvs: V1PersistentVolume[] = [];
    for (let n = 1; n <= N_NODES; n++) for (let k = 1; k <= PER_NODE; k++) pvs.push(hostPV(`storm-pv-n${n}-${k}`, 'storm-local', '10Gi', `storm-n${n}`));
    await Promise.all(pvs.map((p) => s.pv(p)));
    const names = Array.from({ length: N }, (_, i) => `p${String(i).padStart(3, '0')}`);
    await Promise.all(names.map((n) => s.pvc(claim(s.ns, `data-${n}`, 'storm-local', '10Gi'))));
    const before = await cp!.metrics('extender');

    const t0 = Date.now();
    const BATCH = 25;
    for (let i = 0; i < N; i += BATCH) await Promise.all(names.slice(i, i + BATCH).map((n) => s.pod(pod(s.ns, n, 'storm', [`data-${n}`]))));
    const created = Date.now() - t0;

    let pods: V1Pod[] = [];
    let claims: V1PersistentVolumeClaim[] = [];
    let lastProgress = '';
    try {
      await waitFor(
        'all contention pods scheduled and claims Bound',
        async () => {
          pods = (await cp!.core.listNamespacedPod({ namespace: s.ns })).items;
          claims = (await cp!.core.listNamespacedPersistentVolumeClaim({ namespace: s.ns })).items;
          const scheduled = pods.filter((p) => p.spec?.nodeName).length;
          const bound = claims.filter((c) => c.status?.phase === 'Bound').length;
          lastProgress = `${scheduled}/${N} pods scheduled, ${bound}/${N} claims Bound after ${Date.now() - t0} ms`;
          return scheduled === N && bound === N ? true : undefined;
        },
        300_000,
        1_000,
      );
    } catch (e) {
      const pending = pods.filter((p) => !p.spec?.nodeName).slice(0, 5);
      const why = pending.map((p) => `${p.metadata?.name ?? '?'}: ${p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '(no condition)'}`);
      throw new Error(`${(e as Error).message}; ${lastProgress}; e.g. ${why.join(' | ')}`, { cause: e });
    }
    const elapsed = Date.now() - t0;
    console.log(`[storm] ${N} pods created in ${created} ms; all scheduled with ${N} claims Bound after ${elapsed} ms`);

    const pvList = (await cp!.core.listPersistentVolume()).items.filter((p) => p.spec?.storageClassName === 'storm-local');
    expect(pvList).toHaveLength(N);
    const pvByName = new Map(pvList.map((p) => [p.metadata!.name!, p]));
    const claimByName = new Map(claims.map((c) => [c.metadata!.name!, c]));
    const pvOwner = new Map<string, string>();
    for (const p of pods) {
      const podName = p.metadata!.name!;
      const c = claimByName.get(`data-${podName}`);
      expect(c?.status?.phase, `claim of ${podName}`).toBe('Bound');
      const pvName = c!.spec!.volumeName!;
      expect(pvOwner.get(pvName), `PV ${pvName} bound twice`).toBeUndefined();
      pvOwner.set(pvName, podName);
      const pv = pvByName.get(pvName);
      expect(pv, `PV ${pvName} of ${podName}`).toBeDefined();
      expect(pvNode(pv!), `PV ${pvName} of ${podName} on its node`).toBe(p.spec?.nodeName);
      expect(pv!.spec?.claimRef, `PV ${pvName} claimRef`).toMatchObject({ namespace: s.ns, name: `data-${podName}`, uid: c!.metadata?.uid });
    }
    expect(pvOwner.size).toBe(N);
    // No half-bound claim: every PV with a claimRef is Bound and its claim points back at it.
    const halfBound = pvList.filter((pv) => {
      const ref = pv.spec?.claimRef;
      if (!ref) return false;
      const c = claimByName.get(ref.name ?? '');
      return pv.status?.phase !== 'Bound' || c?.status?.phase !== 'Bound' || c.spec?.volumeName !== pv.metadata?.name || c.metadata?.uid !== ref.uid;
    });
    expect(halfBound.map((p) => p.metadata?.name)).toEqual([]);

    const metrics = await cp!.metrics('extender');
    const outcomes = ['bound', 'already_bound', 'no_volumes', 'rejected', 'conflict', 'error', 'timeout'];
    const delta = Object.fromEntries(outcomes.map((o) => [o, bindTotal(metrics, o) - bindTotal(before, o)]));
    console.log(`[storm] extender bind calls during the run by outcome: ${JSON.stringify(delta)}; totals: ${metrics.split('\n').filter((l) => l.startsWith('vte_bind_total')).join('; ')}`);
    expect(bindTotal(metrics, 'bound')).toBeGreaterThanOrEqual(100);
    // Each contention pod is bound exactly once by the extender with outcome "bound".
    expect(delta.bound).toBe(N);
  });
});

function bindTotal(metrics: string, outcome: string): number {
  const re = new RegExp(`^vte_bind_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\S+)$`, 'm');
  const m = re.exec(metrics);
  return m ? Number(m[1]) : 0;
}
