/**
 * Dynamic provisioning through the real kube-scheduler → extender → PV controller → provisioner
 * chain (semantics §5 R5.1/R5.5/R5.6, §10 R10.3, §11 R11.3/R11.4, §16–§17): allowedTopologies,
 * CSIStorageCapacity, provisioning failure with reschedule, stale selected-node cleanup by the
 * extender, and `explain --live` against the same cluster.
 *
 * The harness provisioner names every PV `pvc-<claim uid>` and gives it a hostname node affinity.
 * CSIStorageCapacity scenarios use CSI_PROVISIONER: PROVISIONER contains a '/' and so cannot be a
 * CSIDriver name, and the CSIDriver (storageCapacity: true) must be named exactly like the
 * StorageClass provisioner (R5.6).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CoreV1Event, V1CSIStorageCapacity } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, REPO, startControlPlane } from './harness/controlplane.js';
import { claim, pod, Scenario, storageClass, waitFor } from './harness/kube.js';
import { CSI_PROVISIONER, PROVISIONER, TestProvisioner } from './harness/provisioner.js';

const run = promisify(execFile);

const ZONE = 'topology.kubernetes.io/zone';
const HOSTNAME = 'kubernetes.io/hostname';
const ANN_SELECTED = 'volume.kubernetes.io/selected-node';
// Upstream reason strings (semantics §6 R6.1), byte for byte.
const BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
const NOT_ENOUGH_SPACE = 'node(s) did not have enough free storage';
const NODE_CONFLICT = "node(s) didn't match PersistentVolume's node affinity";

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The FitError histogram (R6.5) with `count` scenario nodes rejected by the extender for `reason`.
 * Other scenarios' nodes appear as in-tree NodeAffinity entries, so only this entry is pinned.
 */
function rejection(count: number, reason: string): RegExp {
  return new RegExp(`^0/\\d+ nodes are available: (?:[^.]*, )?${count} ${esc(reason)}(?:, [^.]*)?\\.`);
}

function capacity(ns: string, name: string, cls: string, size: string, matchLabels: Record<string, string>): V1CSIStorageCapacity {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'CSIStorageCapacity',
    metadata: { name, namespace: ns },
    storageClassName: cls,
    capacity: size,
    nodeTopology: { matchLabels },
  };
}

function zoneTopology(...zones: string[]): { allowedTopologies: { matchLabelExpressions: { key: string; values: string[] }[] }[] } {
  return { allowedTopologies: [{ matchLabelExpressions: [{ key: ZONE, values: zones }] }] };
}

function elapsed(t0: number): string {
  return `${((Date.now() - t0) / 1000).toFixed(1)}s`;
}

describe('dynamic provisioning: kube-scheduler + extender + PV controller + provisioner', () => {
  let cp: ControlPlane | undefined;
  let provisioner: TestProvisioner | undefined;

  const plane = (): ControlPlane => {
    if (!cp) throw new Error('control plane not started');
    return cp;
  };
  const scenario = (id: string): Scenario => new Scenario(id, plane().core, plane().storage);

  async function createCapacity(s: Scenario, c: V1CSIStorageCapacity): Promise<void> {
    await plane().storage.createNamespacedCSIStorageCapacity({ namespace: s.ns, body: c });
  }

  async function events(s: Scenario, kind: string, name: string): Promise<CoreV1Event[]> {
    const list = await plane().core.listNamespacedEvent({ namespace: s.ns, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` });
    return list.items;
  }

  /** The claim was provisioned for `node` by the harness provisioner and is Bound to that PV. */
  async function expectProvisionedOn(s: Scenario, claimName: string, node: string): Promise<string> {
    const pvName = await s.bound(claimName);
    const pvc = await s.readPVC(claimName);
    const uid = pvc.metadata?.uid ?? '';
    expect(uid).not.toBe('');
    expect(pvName).toBe(`pvc-${uid}`);
    expect(pvc.status?.phase).toBe('Bound');
    expect(pvc.metadata?.annotations?.[ANN_SELECTED]).toBe(node);
    const pv = await s.readPV(pvName);
    expect(pv.spec?.claimRef?.uid).toBe(uid);
    expect(pv.spec?.claimRef?.name).toBe(claimName);
    expect(pv.spec?.claimRef?.namespace).toBe(s.ns);
    expect(pv.metadata?.annotations?.['e2e/node']).toBe(node);
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: HOSTNAME, operator: 'In', values: [node] }] }]);
    await waitFor(`PV ${pvName} phase Bound`, async () => ((await s.readPV(pvName)).status?.phase === 'Bound' ? true : undefined), 30_000);
    return pvName;
  }

  /** Waits for the unschedulable message, prints it (report), and checks it carries no other volume reason. */
  async function expectRejected(s: Scenario, podName: string, count: number, reason: string, timeoutMs = 60_000): Promise<string> {
    const msg = await s.unschedulable(podName, rejection(count, reason), timeoutMs);
    console.log(`[${s.id}] FailedScheduling: ${msg}`);
    for (const other of [BIND_CONFLICT, NOT_ENOUGH_SPACE, NODE_CONFLICT].filter((r) => r !== reason)) expect(msg).not.toContain(other);
    return msg;
  }

  beforeAll(async () => {
    cp = await startControlPlane();
    provisioner = new TestProvisioner(cp.core, cp.storage, 250, [PROVISIONER, CSI_PROVISIONER]);
    provisioner.start();
    // Opt CSI_PROVISIONER's classes into capacity tracking (R5.6); PROVISIONER's stay untracked.
    await cp.storage.createCSIDriver({
      body: { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: CSI_PROVISIONER }, spec: { storageCapacity: true, attachRequired: false } },
    });
  });

  afterAll(async () => {
    provisioner?.stop();
    if (provisioner && provisioner.stats.errors.length > 0) console.log(`provisioner errors: ${provisioner.stats.errors.join(' | ')}`);
    await cp?.stop();
  });

  it('1. provisions inside allowedTopologies: pod lands in the allowed zone, PV pinned to the pod node', async () => {
    const t0 = Date.now();
    const s = scenario('dyn1');
    await s.setup([{ name: 'dyn1-a', zone: 'zA' }, { name: 'dyn1-b', zone: 'zB' }]);
    await s.sc(storageClass('dyn1-wffc', PROVISIONER, 'WaitForFirstConsumer', zoneTopology('zA')));
    await s.pvc(claim(s.ns, 'data', 'dyn1-wffc', '5Gi'));
    await s.pod(pod(s.ns, 'web', 'dyn1', ['data']));

    const node = await s.scheduled('web');
    expect(node).toBe('dyn1-a');
    await expectProvisionedOn(s, 'data', node);
    expect(provisioner?.stats.errors).toEqual([]);
    console.log(`[dyn1] scheduled to ${node}, claim bound in ${elapsed(t0)}`);
  });

  it('2. allowedTopologies names a zone no node has: Pending with the bind-conflict reason', async () => {
    const t0 = Date.now();
    const s = scenario('dyn2');
    await s.setup([{ name: 'dyn2-a', zone: 'zA' }, { name: 'dyn2-b', zone: 'zB' }]);
    await s.sc(storageClass('dyn2-wffc', PROVISIONER, 'WaitForFirstConsumer', zoneTopology('zone-nowhere')));
    await s.pvc(claim(s.ns, 'data', 'dyn2-wffc', '5Gi'));
    await s.pod(pod(s.ns, 'web', 'dyn2', ['data']));

    await expectRejected(s, 'web', 2, BIND_CONFLICT);
    const pvc = await s.readPVC('data');
    expect(pvc.status?.phase).toBe('Pending');
    expect(pvc.metadata?.annotations?.[ANN_SELECTED]).toBeUndefined();
    expect((await s.readPod('web')).spec?.nodeName).toBeFalsy();
    console.log(`[dyn2] rejected in ${elapsed(t0)}`);
  });

  it('3. CSIStorageCapacity sufficient in one zone only: the 10Gi claim is provisioned there', async () => {
    const t0 = Date.now();
    const s = scenario('dyn3');
    await s.setup([{ name: 'dyn3-a', zone: 'zA' }, { name: 'dyn3-b', zone: 'zB' }]);
    await createCapacity(s, capacity(s.ns, 'cap-za', 'dyn3-csi', '100Gi', { [ZONE]: 'zA' }));
    await createCapacity(s, capacity(s.ns, 'cap-zb', 'dyn3-csi', '1Gi', { [ZONE]: 'zB' }));
    await s.sc(storageClass('dyn3-csi', CSI_PROVISIONER, 'WaitForFirstConsumer'));
    await s.pvc(claim(s.ns, 'data', 'dyn3-csi', '10Gi'));
    await s.pod(pod(s.ns, 'web', 'dyn3', ['data']));

    const node = await s.scheduled('web');
    expect(node).toBe('dyn3-a');
    await expectProvisionedOn(s, 'data', node);
    console.log(`[dyn3] scheduled to ${node}, claim bound in ${elapsed(t0)}`);
  });

  it('4. CSIStorageCapacity insufficient everywhere: Pending with "did not have enough free storage" only', async () => {
    const t0 = Date.now();
    const s = scenario('dyn4');
    await s.setup([{ name: 'dyn4-a', zone: 'zA' }, { name: 'dyn4-b', zone: 'zB' }]);
    await createCapacity(s, capacity(s.ns, 'cap-za', 'dyn4-csi', '5Gi', { [ZONE]: 'zA' }));
    await createCapacity(s, capacity(s.ns, 'cap-zb', 'dyn4-csi', '1Gi', { [ZONE]: 'zB' }));
    await s.sc(storageClass('dyn4-csi', CSI_PROVISIONER, 'WaitForFirstConsumer'));
    await s.pvc(claim(s.ns, 'data', 'dyn4-csi', '10Gi'));
    await s.pod(pod(s.ns, 'web', 'dyn4', ['data']));

    const msg = await expectRejected(s, 'web', 2, NOT_ENOUGH_SPACE);
    expect(msg).not.toContain(BIND_CONFLICT);
    const pvc = await s.readPVC('data');
    expect(pvc.status?.phase).toBe('Pending');
    expect(pvc.metadata?.annotations?.[ANN_SELECTED]).toBeUndefined();
    console.log(`[dyn4] rejected in ${elapsed(t0)}`);
  });

  it('5. provisioning fails on the first node: selected-node is cleared and the pod reschedules to the other node', async () => {
    const t0 = Date.now();
    const prov = provisioner!;
    const s = scenario('dyn5');
    await s.setup([{ name: 'dyn5-bad', zone: 'zA' }, { name: 'dyn5-good', zone: 'zA' }]);
    // Only the bad node has capacity at first, so the scheduler must try it (and fail) first.
    await createCapacity(s, capacity(s.ns, 'cap-bad', 'dyn5-csi', '100Gi', { [HOSTNAME]: 'dyn5-bad' }));
    await s.sc(storageClass('dyn5-csi', CSI_PROVISIONER, 'WaitForFirstConsumer', { parameters: { 'e2e/fail-on-nodes': 'dyn5-bad' } }));
    await s.pvc(claim(s.ns, 'data', 'dyn5-csi', '10Gi'));
    const rescheduledBefore = prov.stats.rescheduled;
    await s.pod(pod(s.ns, 'web', 'dyn5', ['data']));

    // The provisioner clears selected-node (library rescheduleProvisioning, R11.4); the extender's
    // bind wait then fails with "provisioning failed for PVC" (R10.3) and the scheduler retries.
    await waitFor('the provisioner to reject dyn5-bad (rescheduled counter)', () => Promise.resolve(prov.stats.rescheduled > rescheduledBefore ? true : undefined), 60_000);
    const bindFailure = await waitFor(
      'the bind failure to be reported on the pod',
      async () => {
        const p = await s.readPod('web');
        if (p.spec?.nodeName) throw new Error(`pod was bound to ${p.spec.nodeName} while only the failing node had capacity`);
        const evs = await events(s, 'Pod', 'web');
        const ev = evs.find((e) => e.reason === 'FailedScheduling' && (e.message ?? '').includes('provisioning failed for PVC "data"'));
        return ev?.message;
      },
      60_000,
    );
    console.log(`[dyn5] bind failure after ${elapsed(t0)}: ${bindFailure}`);
    // R10.3: upstream's PreBind error text, returned by the extender's bind verb.
    expect(bindFailure).toBe('binding volumes: provisioning failed for PVC "data"');
    // The extender's own event says which node the failed attempt was for.
    const own = await waitFor(
      'VolumeBindingFailed event naming dyn5-bad',
      async () => (await events(s, 'Pod', 'web')).find((e) => e.reason === 'VolumeBindingFailed' && (e.message ?? '').includes('dyn5-bad')),
      30_000,
    );
    console.log(`[dyn5] extender event ${own.reason ?? ''}: ${own.message ?? ''}`);
    expect(own.message).toBe('binding to node dyn5-bad failed: binding volumes: provisioning failed for PVC "data"');
    expect((await s.readPod('web')).spec?.nodeName).toBeFalsy();

    // Now the good node gets (more) capacity: the pod must end up there.
    await createCapacity(s, capacity(s.ns, 'cap-good', 'dyn5-csi', '1Ti', { [HOSTNAME]: 'dyn5-good' }));
    const node = await s.scheduled('web', 120_000);
    expect(node).toBe('dyn5-good');
    await expectProvisionedOn(s, 'data', node);
    expect(prov.stats.rescheduled).toBeGreaterThan(rescheduledBefore);
    const failed = (await events(s, 'Pod', 'web')).filter((e) => e.reason === 'FailedScheduling').map((e) => `${String(e.count ?? 1)}× ${e.message ?? ''}`);
    console.log(`[dyn5] landed on ${node} after ${elapsed(t0)}; provisioner rescheduled ${String(prov.stats.rescheduled - rescheduledBefore)}×; FailedScheduling events: ${failed.join(' | ')}`);
  }, 240_000);

  it('6. stale selected-node naming a deleted node: the extender clears it and the pod lands on an existing node', async () => {
    const t0 = Date.now();
    const s = scenario('dyn6');
    // A provisioner that is down while the claim is pinned (else it would clear the annotation
    // itself, R11.4): only the extender's stale selected-node cleaner can release the pod.
    const staleProvisionerName = 'stale.e2e.vte.test';
    const late = new TestProvisioner(plane().core, plane().storage, 250, [staleProvisionerName]);
    try {
      await s.setup([{ name: 'dyn6-a', zone: 'zA' }, { name: 'dyn6-b', zone: 'zB' }]);
      await s.sc(storageClass('dyn6-wffc', staleProvisionerName, 'WaitForFirstConsumer'));
      const c = claim(s.ns, 'data', 'dyn6-wffc', '5Gi');
      c.metadata = { name: 'data', namespace: s.ns, annotations: { [ANN_SELECTED]: 'dyn6-gone' } };
      await s.pvc(c);
      await s.pod(pod(s.ns, 'web', 'dyn6', ['data']));

      // Pinned to the missing node (R5.1): both real nodes are rejected.
      await expectRejected(s, 'web', 2, BIND_CONFLICT);

      const released = await waitFor(
        'the extender to clear selected-node=dyn6-gone',
        async () => {
          const v = (await s.readPVC('data')).metadata?.annotations?.[ANN_SELECTED];
          return v === 'dyn6-gone' ? undefined : (v ?? '(none)');
        },
        90_000,
        500,
      );
      console.log(`[dyn6] stale annotation cleared after ${elapsed(t0)} (selected-node now ${released})`);
      const ev = await waitFor(
        'StaleSelectedNodeCleared event on the claim',
        async () => (await events(s, 'PersistentVolumeClaim', 'data')).find((e) => e.reason === 'StaleSelectedNodeCleared'),
        30_000,
      );
      console.log(`[dyn6] event ${ev.type ?? ''} ${ev.reason ?? ''}: ${ev.message ?? ''} (source ${ev.source?.component ?? ev.reportingComponent ?? '?'})`);
      expect(ev.type).toBe('Warning');
      expect(ev.message).toContain('dyn6-gone');

      late.start();
      const node = await s.scheduled('web', 120_000);
      expect(['dyn6-a', 'dyn6-b']).toContain(node);
      await expectProvisionedOn(s, 'data', node);
      console.log(`[dyn6] landed on ${node} after ${elapsed(t0)}`);
    } finally {
      late.stop();
    }
    expect(late.stats.errors).toEqual([]);
  }, 240_000);

  it('7. explain --live on a Pending pod: JSON names the StorageClass and the zone label for every node', async () => {
    const t0 = Date.now();
    const s = scenario('dyn7');
    await s.setup([{ name: 'dyn7-a', zone: 'zA' }, { name: 'dyn7-b', zone: 'zB' }]);
    await s.sc(storageClass('dyn7-wffc', PROVISIONER, 'WaitForFirstConsumer', zoneTopology('zone-nowhere')));
    await s.pvc(claim(s.ns, 'data', 'dyn7-wffc', '5Gi'));
    await s.pod(pod(s.ns, 'web', 'dyn7', ['data']));
    await expectRejected(s, 'web', 2, BIND_CONFLICT);

    const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: '' };
    const { stdout, stderr } = await run(
      join(REPO, 'node_modules/.bin/node'),
      [join(REPO, 'dist/bin.js'), 'explain', '--live', '--kubeconfig', plane().adminKubeconfig, '--pod', `${s.ns}/web`, '--output', 'json'],
      { env, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
    ).catch((e: unknown) => {
      const err = e as { code?: number; stdout?: string; stderr?: string; message: string };
      throw new Error(`explain exited with ${String(err.code)}: ${err.message}\nstdout: ${err.stdout ?? ''}\nstderr: ${err.stderr ?? ''}`, { cause: e });
    });
    expect(stderr).toBe('');
    const report = JSON.parse(stdout) as {
      pod: string;
      error?: string;
      unschedulable?: string;
      nodes: { name: string; fits: boolean; reasons: string[]; staticBindings: unknown[]; provisions: string[]; score: number | null; explanation: string[] }[];
    };
    expect(report.pod).toBe(`${s.ns}/web`);
    expect(report.error).toBeUndefined();
    expect(report.unschedulable).toBeUndefined();
    const names = report.nodes.map((n) => n.name);
    expect(names).toEqual(expect.arrayContaining(['dyn7-a', 'dyn7-b']));
    // No node of the cluster is in zone-nowhere, so none fits.
    for (const n of report.nodes) {
      expect(n.fits, n.name).toBe(false);
      expect(n.reasons, n.name).toEqual([BIND_CONFLICT]);
      expect(n.staticBindings).toEqual([]);
      expect(n.provisions).toEqual([]);
    }
    for (const name of ['dyn7-a', 'dyn7-b']) {
      const n = report.nodes.find((x) => x.name === name)!;
      const text = n.explanation.join('\n');
      expect(text, name).toContain('StorageClass dyn7-wffc');
      expect(text, name).toContain(ZONE);
      expect(text, name).toContain('zone-nowhere');
    }
    console.log(`[dyn7] explain for dyn7-a: ${JSON.stringify(report.nodes.find((x) => x.name === 'dyn7-a'))} (${elapsed(t0)})`);
  });
});
