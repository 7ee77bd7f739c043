import { describe, expect, it } from 'vitest';
import type { Binder } from '../../src/bind/binder.js';
import { ErrReasonBindConflict } from '../../src/engine/reasons.js';
import { buildStore, harness, namesArgs, NS, PODS } from './fixtures.js';

function bindArgs(name: string, node: string, uid = `uid-${name}`) {
  return { PodName: name, PodNamespace: NS, PodUID: uid, Node: node };
}

function withPods() {
  const store = buildStore();
  store.upsert('Pod', PODS.single0);
  store.upsert('Pod', PODS.single1);
  store.upsert('Pod', PODS.plain);
  return harness({ store });
}

describe('bind (R16.3) via SnapshotBinder', () => {
  it('binds: pod gets nodeName, PV gets claimRef, a competing pod is then rejected by filter', async () => {
    const h = withPods();
    // Before: both pods could use the single PV on node-a.
    const before = await h.post('filter', namesArgs(PODS.single1, ['node-a'])).expect(200);
    expect(before.body.NodeNames).toEqual(['node-a']);

    const res = await h.post('bind', bindArgs('single-0', 'node-a')).expect(200);
    expect(res.body).toEqual({ Error: '' });
    expect(Object.keys(res.body)).toEqual(['Error']);
    expect(h.store.pod(NS, 'single-0')?.spec?.nodeName).toBe('node-a');
    expect(h.store.pv('pv-single')?.pv.spec?.claimRef).toMatchObject({ namespace: NS, name: 'single-0', uid: 'uid-pvc-single-0' });

    const after = await h.post('filter', namesArgs(PODS.single1, ['node-a'])).expect(200);
    expect(after.body.NodeNames).toEqual([]);
    expect(after.body.FailedAndUnresolvableNodes).toEqual({ 'node-a': ErrReasonBindConflict });
  });

  it.each([
    { name: 'idempotent retry of the same bind', first: bindArgs('single-0', 'node-a'), second: bindArgs('single-0', 'node-a'), want: '' },
    { name: 'retry to another node', first: bindArgs('single-0', 'node-a'), second: bindArgs('single-0', 'node-b'), want: 'pod shop/single-0 is already bound to node node-a' },
  ])('$name', async ({ first, second, want }) => {
    const h = withPods();
    await h.post('bind', first).expect(200, { Error: '' });
    const res = await h.post('bind', second).expect(200);
    expect(res.body).toEqual({ Error: want });
  });

  it.each([
    { name: 'UID mismatch (pod recreated)', args: bindArgs('single-0', 'node-a', 'uid-other'), want: /has uid uid-single-0, not uid-other/ },
    { name: 'unknown pod', args: bindArgs('nope', 'node-a'), want: /pod shop\/nope not found/ },
    { name: 'unknown node', args: bindArgs('single-0', 'node-z'), want: /node "node-z" not found/ },
    { name: 'node where volumes no longer fit', args: bindArgs('single-0', 'node-b'), want: /no longer fits: node\(s\) didn't find available persistent volumes to bind/ },
  ])('$name → Error', async ({ args, want }) => {
    const h = withPods();
    const res = await h.post('bind', args).expect(200);
    expect(Object.keys(res.body)).toEqual(['Error']);
    expect(res.body.Error).toMatch(want);
    expect(h.logs.some((l) => l.level === 30 && l.msg === 'bind: failed')).toBe(true);
  });

  it('binds a pod without volumes', async () => {
    const h = withPods();
    await h.post('bind', bindArgs('plain', 'node-c')).expect(200, { Error: '' });
    expect(h.store.pod(NS, 'plain')?.spec?.nodeName).toBe('node-c');
  });

  it('accepts lowercase keys', async () => {
    const h = withPods();
    await h.post('bind', { podname: 'single-0', podnamespace: NS, poduid: 'uid-single-0', node: 'node-a' }).expect(200, { Error: '' });
  });

  it('counts outcomes', async () => {
    const h = withPods();
    await h.post('bind', bindArgs('single-0', 'node-a')).expect(200);
    await h.post('bind', bindArgs('single-0', 'node-a')).expect(200);
    await h.post('bind', bindArgs('nope', 'node-a')).expect(200);
    const m = await h.metrics.bindTotal.get();
    expect(Object.fromEntries(m.values.map((v) => [v.labels.outcome, v.value]))).toEqual({ bound: 1, already_bound: 1, rejected: 1 });
  });

  it('a throwing binder answers 200 with its message and logs an error', async () => {
    const binder: Binder = {
      bind: () => Promise.reject(new Error('apiserver unreachable')),
    };
    const h = harness({ binder });
    const res = await h.post('bind', bindArgs('single-0', 'node-a')).expect(200);
    expect(res.body).toEqual({ Error: 'apiserver unreachable' });
    expect(h.logs.some((l) => l.level === 50 && l.msg === 'bind: binder threw')).toBe(true);
    const m = await h.metrics.bindTotal.get();
    expect(m.values).toEqual([expect.objectContaining({ labels: { outcome: 'error' }, value: 1 })]);
  });

  it('passes the request fields and an AbortSignal to the binder', async () => {
    const seen: unknown[] = [];
    const binder: Binder = {
      bind: (req, signal) => {
        seen.push(req, signal instanceof AbortSignal);
        return Promise.resolve({ outcome: 'bound', error: '' });
      },
    };
    const h = harness({ binder });
    await h.post('bind', bindArgs('web', 'node-b')).expect(200, { Error: '' });
    expect(seen).toEqual([{ podName: 'web', podNamespace: NS, podUid: 'uid-web', node: 'node-b' }, true]);
  });
});
