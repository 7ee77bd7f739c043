import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { LiveBinder, type LiveBinderOptions } from '../../src/bind/live-binder.js';
import { filterPod } from '../../src/engine/filter.js';
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../src/engine/types.js';
import { FakeApi } from './fake-api.js';

const logger = pino({ level: 'silent' });

function node(name: string, zone = 'z1') {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone } } };
}
function localPV(name: string, onNode: string, size = '10Gi'): PersistentVolume {
  return {
    metadata: { name },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'local',
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [onNode] }] }] } },
    },
    status: { phase: 'Available' },
  };
}
function claim(name: string, cls = 'local', size = '5Gi'): PersistentVolumeClaim {
  return { metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: cls, resources: { requests: { storage: size } } }, status: { phase: 'Pending' } };
}
function pod(name: string, claims: string[]): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-pod-${name}` },
    spec: { volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) },
  };
}

function setup(opts: Partial<LiveBinderOptions> = {}) {
  const api = new FakeApi();
  const local: StorageClass = { metadata: { name: 'local' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' };
  const dyn: StorageClass = { metadata: { name: 'dyn' }, provisioner: 'dyn.example.com', volumeBindingMode: 'WaitForFirstConsumer' };
  api.put('StorageClass', local);
  api.put('StorageClass', dyn);
  api.put('Node', node('n1'));
  api.put('Node', node('n2'));
  const binder = new LiveBinder({
    store: api.store,
    writer: api,
    logger,
    options: { bindTimeoutMs: 500, pollIntervalMs: 20, ...opts },
  });
  return { api, binder };
}

const req = (p: string, n: string) => ({ podName: p, podNamespace: 'ns', podUid: `uid-pod-${p}`, node: n });

describe('LiveBinder (R9–R10, R16.3)', () => {
  let api: FakeApi;
  let binder: LiveBinder;
  beforeEach(() => {
    ({ api, binder } = setup());
  });

  it('static binding: writes a full claimRef with a resourceVersion precondition, waits for the PV controller, then binds the pod with its UID', async () => {
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolumeClaim', claim('data'));
    api.put('Pod', pod('web', ['data']));

    const res = await binder.bind(req('web', 'n1'));

    expect(res).toEqual({ outcome: 'bound', error: '' });
    const pv = api.get<PersistentVolume>('PersistentVolume', '', 'pv-1')!;
    expect(pv.spec?.claimRef).toMatchObject({ kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'ns', name: 'data', uid: 'uid-data' });
    expect(pv.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller']).toBe('yes');
    expect(api.get<PersistentVolumeClaim>('PersistentVolumeClaim', 'ns', 'data')!.spec?.volumeName).toBe('pv-1');
    expect(api.bindings).toEqual([{ namespace: 'ns', name: 'web', uid: 'uid-pod-web', node: 'n1' }]);
    expect(api.calls.filter((c) => c.startsWith('replacePV') || c.startsWith('bindPod'))).toEqual(['replacePV pv-1', 'bindPod ns/web n1']);
  });

  it('recomputes the plan: a node that no longer fits is an Error naming the claim and the PV label', async () => {
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolumeClaim', claim('data'));
    api.put('Pod', pod('web', ['data']));

    const res = await binder.bind(req('web', 'n2'));

    expect(res.outcome).toBe('rejected');
    expect(res.error).toContain("node n2 no longer fits: node(s) didn't find available persistent volumes to bind");
    expect(res.error).toContain('pv-1 needs kubernetes.io/hostname In [n1]');
    expect(api.bindings).toEqual([]);
  });

  it('conflict: the PV changed on the server after our cache read → 409 → Error, assumption released, nothing overwritten', async () => {
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolumeClaim', claim('data'));
    api.put('Pod', pod('web', ['data']));
    // Someone else claims the PV on the server; our informer has not seen it yet.
    const stolen = structuredClone(api.get<PersistentVolume>('PersistentVolume', '', 'pv-1')!);
    stolen.spec!.claimRef = { namespace: 'other', name: 'thief', uid: 'uid-thief' };
    stolen.metadata!.resourceVersion = '99999';
    api.objects.set('PersistentVolume:pv-1', stolen);

    const res = await binder.bind(req('web', 'n1'));

    expect(res.outcome).toBe('conflict');
    expect(res.error).toMatch(/^binding volumes: .*the object has been modified/);
    expect(api.get<PersistentVolume>('PersistentVolume', '', 'pv-1')!.spec?.claimRef?.name).toBe('thief');
    expect(api.store.isPVAssumed('pv-1')).toBe(false);
    expect(api.bindings).toEqual([]);
  });

  it('pod UID mismatch (deleted and recreated) → Error, no writes', async () => {
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolumeClaim', claim('data'));
    api.put('Pod', pod('web', ['data']));

    const res = await binder.bind({ ...req('web', 'n1'), podUid: 'old-uid' });

    expect(res.outcome).toBe('rejected');
    expect(res.error).toBe('pod ns/web has uid uid-pod-web, not old-uid: it was deleted and recreated');
    expect(api.calls.some((c) => c.startsWith('replace'))).toBe(false);
  });

  it('pod deleted before bind → Error', async () => {
    const res = await binder.bind(req('gone', 'n1'));
    expect(res).toEqual({ outcome: 'rejected', error: 'pod ns/gone not found (deleted?)' });
  });

  it('pod deleted while waiting for the binding → Error "pod does not exist any more", assumptions released', async () => {
    api.pvController = false;
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolumeClaim', claim('data'));
    const p = api.put('Pod', pod('web', ['data']));
    setTimeout(() => {
      api.delete('Pod', p);
    }, 30);

    const res = await binder.bind(req('web', 'n1'));

    expect(res.outcome).toBe('rejected');
    expect(res.error).toBe('binding volumes: pod does not exist any more: pod "web" not found');
    expect(api.bindings).toEqual([]);
  });

  it('timeout: the PV controller never completes the binding → Error after bindTimeout, pod not bound', async () => {
    api.pvController = false;
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolumeClaim', claim('data'));
    api.put('Pod', pod('web', ['data']));

    const started = Date.now();
    const res = await binder.bind(req('web', 'n1'));

    expect(res.outcome).toBe('timeout');
    expect(res.error).toMatch(/^binding volumes: timed out after 1s waiting for PVC ns\/data to be bound to PV pv-1/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(api.bindings).toEqual([]);
  });

  it('retry is idempotent: a pod already bound to the node succeeds without writes; another node is an Error', async () => {
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolumeClaim', claim('data'));
    api.put('Pod', pod('web', ['data']));
    expect((await binder.bind(req('web', 'n1'))).outcome).toBe('bound');
    const writes = api.calls.length;

    expect(await binder.bind(req('web', 'n1'))).toEqual({ outcome: 'already_bound', error: '' });
    expect(api.calls.length).toBe(writes);
    expect((await binder.bind(req('web', 'n2'))).error).toBe('pod ns/web is already bound to node n1');
  });

  it('retry after a failed wait reuses the PV already pre-bound to the claim', async () => {
    api.pvController = false;
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolume', localPV('pv-2', 'n1', '20Gi'));
    api.put('PersistentVolumeClaim', claim('data'));
    api.put('Pod', pod('web', ['data']));
    expect((await binder.bind(req('web', 'n1'))).outcome).toBe('timeout');
    api.pvController = true;

    const res = await binder.bind(req('web', 'n1'));

    expect(res.outcome).toBe('bound');
    expect(api.get<PersistentVolumeClaim>('PersistentVolumeClaim', 'ns', 'data')!.spec?.volumeName).toBe('pv-1');
    expect(api.get<PersistentVolume>('PersistentVolume', '', 'pv-2')!.spec?.claimRef).toBeUndefined();
  });

  it('concurrent binds for two pods competing for one PV: exactly one winner, the other gets a clear Error', async () => {
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolumeClaim', claim('a'));
    api.put('PersistentVolumeClaim', claim('b'));
    api.put('Pod', pod('pa', ['a']));
    api.put('Pod', pod('pb', ['b']));

    const [ra, rb] = await Promise.all([binder.bind(req('pa', 'n1')), binder.bind(req('pb', 'n1'))]);

    const outcomes = [ra.outcome, rb.outcome].sort();
    expect(outcomes).toEqual(['bound', 'rejected']);
    const loser = ra.outcome === 'rejected' ? ra : rb;
    expect(loser.error).toContain('no longer fits');
    expect(api.bindings).toHaveLength(1);
    const ref = api.get<PersistentVolume>('PersistentVolume', '', 'pv-1')!.spec?.claimRef;
    expect(ref?.name).toBe(api.bindings[0]!.name === 'pa' ? 'a' : 'b');
  });

  it('while a bind is in flight, filter for another pod does not offer the assumed PV', async () => {
    api.pvController = false;
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolumeClaim', claim('a'));
    api.put('PersistentVolumeClaim', claim('b'));
    api.put('Pod', pod('pa', ['a']));
    const pb = api.put('Pod', pod('pb', ['b'])) as Pod;
    // Make the PV write visible to the informer only later: the assumption must cover the gap.
    const pending = binder.bind(req('pa', 'n1'));
    await new Promise((r) => setTimeout(r, 10));
    const d = filterPod(pb, [{ name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } }], api.store);
    expect(d.nodes[0]!.fits).toBe(false);
    await pending;
  });

  it('dynamic provisioning: writes selected-node on the claim and waits for the provisioner', async () => {
    api.put('PersistentVolumeClaim', claim('scratch', 'dyn'));
    api.put('Pod', pod('etl', ['scratch']));

    const res = await binder.bind(req('etl', 'n2'));

    expect(res).toEqual({ outcome: 'bound', error: '' });
    expect(api.get<PersistentVolumeClaim>('PersistentVolumeClaim', 'ns', 'scratch')!.metadata?.annotations?.['volume.kubernetes.io/selected-node']).toBe('n2');
    expect(api.calls).toContain('replacePVC ns/scratch');
  });

  it('provisioning failure (provisioner clears selected-node) → Error "provisioning failed"', async () => {
    api.provisioner = 'fail';
    api.put('PersistentVolumeClaim', claim('scratch', 'dyn'));
    api.put('Pod', pod('etl', ['scratch']));

    const res = await binder.bind(req('etl', 'n2'));

    expect(res).toEqual({ outcome: 'rejected', error: 'binding volumes: provisioning failed for PVC "scratch"' });
    expect(api.bindings).toEqual([]);
  });

  it('provisioned PV lands on another node → Error naming the PV affinity', async () => {
    api.provisionOnNode = 'n1';
    api.put('PersistentVolumeClaim', claim('scratch', 'dyn'));
    api.put('Pod', pod('etl', ['scratch']));

    const res = await binder.bind(req('etl', 'n2'));

    expect(res.error).toBe('binding volumes: pv "pvc-uid-scratch" node affinity doesn\'t match node "n2": no matching NodeSelectorTerms');
  });

  it('pod without claims is bound directly', async () => {
    api.put('Pod', pod('nginx', []));
    expect(await binder.bind(req('nginx', 'n1'))).toEqual({ outcome: 'no_volumes', error: '' });
    expect(api.bindings).toHaveLength(1);
  });

  it('no wait mode binds the pod right after the writes', async () => {
    ({ api, binder } = setup({ waitForBinding: false }));
    api.pvController = false;
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    api.put('PersistentVolumeClaim', claim('data'));
    api.put('Pod', pod('web', ['data']));
    expect((await binder.bind(req('web', 'n1'))).outcome).toBe('bound');
    expect(api.bindings).toHaveLength(1);
  });

  it('TTL safety net drops assumptions older than the cutoff', () => {
    api.put('PersistentVolume', localPV('pv-1', 'n1'));
    const pv = structuredClone(api.store.apiPV('pv-1')!);
    pv.spec!.claimRef = { namespace: 'ns', name: 'x' };
    api.store.assumePV(pv, 1000);
    expect(api.store.expireAssumptions(500)).toEqual([]);
    expect(api.store.expireAssumptions(1001)).toEqual(['pv:pv-1']);
    expect(api.store.isPVAssumed('pv-1')).toBe(false);
  });
});
