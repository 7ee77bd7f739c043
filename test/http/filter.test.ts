import { describe, expect, it } from 'vitest';
import { ErrReasonBindConflict, ErrReasonNodeConflict, ErrReasonUnboundImmediate, unknownNodeReason } from '../../src/engine/reasons.js';
import { harness, NAMES, namesArgs, nodesArgs, PODS, node } from './fixtures.js';

const FILTER_KEYS = ['Nodes', 'NodeNames', 'FailedNodes', 'FailedAndUnresolvableNodes', 'Error'];

describe('filter: response shape (§15.3)', () => {
  it('nodeCacheCapable: true answers NodeNames, Nodes null, exact PascalCase keys', async () => {
    const h = harness();
    const res = await h.post('filter', namesArgs(PODS.web)).expect(200).expect('Content-Type', /application\/json/);
    expect(Object.keys(res.body)).toEqual(FILTER_KEYS);
    expect(res.body).toEqual({
      Nodes: null,
      NodeNames: ['node-a', 'node-b'],
      FailedNodes: {},
      FailedAndUnresolvableNodes: { 'node-c': ErrReasonBindConflict },
      Error: '',
    });
  });

  it('nodeCacheCapable: false echoes the passing Node objects exactly as received, NodeNames null', async () => {
    const h = harness();
    const args = nodesArgs(PODS.web);
    // Extra fields the engine never reads must come back untouched, in their original key order.
    const a = { status: { capacity: { cpu: '4' } }, spec: { podCIDR: '10.0.0.0/24' }, metadata: { ...node('node-a', 'z1').metadata, uid: 'n-a' }, apiVersion: 'v1', kind: 'Node' };
    args.Nodes.items[0] = a;
    const res = await h.post('filter', args).expect(200);
    expect(Object.keys(res.body)).toEqual(FILTER_KEYS);
    expect(res.body.NodeNames).toBeNull();
    expect(Object.keys(res.body.Nodes)).toEqual(['metadata', 'items']);
    expect(res.body.Nodes.metadata).toEqual({});
    expect(res.body.Nodes.items).toEqual([a, args.Nodes.items[1]]);
    expect(JSON.stringify(res.body.Nodes.items[0])).toBe(JSON.stringify(a));
    expect(res.body.FailedNodes).toEqual({});
    expect(res.body.FailedAndUnresolvableNodes).toEqual({ 'node-c': ErrReasonBindConflict });
    expect(res.body.Error).toBe('');
  });

  it('nodeCacheCapable: false uses the labels in the received Node objects, not the cache', async () => {
    const h = harness();
    const args = nodesArgs(PODS.pinned, ['node-b']);
    // node-b relabelled as node-a's hostname: pv-bound-a's affinity now matches it.
    args.Nodes.items[0]!.metadata.labels['kubernetes.io/hostname'] = 'node-a';
    const res = await h.post('filter', args).expect(200);
    expect(res.body.Nodes.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['node-b']);
    expect(res.body.FailedAndUnresolvableNodes).toEqual({});
  });

  it('both NodeNames and Nodes null means zero nodes', async () => {
    const h = harness();
    const res = await h.post('filter', { Pod: PODS.web, Nodes: null, NodeNames: null }).expect(200);
    expect(res.body).toEqual({ Nodes: null, NodeNames: [], FailedNodes: {}, FailedAndUnresolvableNodes: {}, Error: '' });
  });
});

describe('filter: key case (Go decodes case-insensitively)', () => {
  it.each([
    { name: 'PascalCase', keys: ['Pod', 'Nodes', 'NodeNames'] },
    { name: 'lowercase', keys: ['pod', 'nodes', 'nodenames'] },
    { name: 'camelCase', keys: ['pod', 'nodes', 'nodeNames'] },
    { name: 'UPPERCASE', keys: ['POD', 'NODES', 'NODENAMES'] },
    { name: 'mixed', keys: ['pOd', 'NoDeS', 'nodeNAMES'] },
  ])('$name keys are accepted', async ({ keys }) => {
    const h = harness();
    const [p, n, nn] = keys as [string, string, string];
    const res = await h.post('filter', { [p]: PODS.web, [n]: null, [nn]: NAMES }).expect(200);
    expect(res.body.NodeNames).toEqual(['node-a', 'node-b']);
    expect(res.body.FailedAndUnresolvableNodes).toEqual({ 'node-c': ErrReasonBindConflict });
  });

  it('keys inside the embedded Pod stay case-sensitive Kubernetes JSON', async () => {
    const h = harness();
    const p = { Metadata: PODS.web.metadata, spec: PODS.web.spec };
    const res = await h.post('filter', { Pod: p, NodeNames: NAMES }).expect(400);
    expect(res.body).toEqual({ Error: 'filter: Pod.metadata: required' });
  });
});

describe('filter: decisions (R16.1)', () => {
  it.each([
    {
      name: 'pod without PVCs passes every node (fast path)',
      pod: PODS.plain,
      names: NAMES,
      passed: NAMES,
      failed: {},
    },
    {
      name: 'pod without PVCs passes even nodes the cache does not know',
      pod: PODS.plain,
      names: ['node-a', 'ghost'],
      passed: ['node-a', 'ghost'],
      failed: {},
    },
    {
      name: 'unbound immediate claim is repeated on every node',
      pod: PODS.immediate,
      names: NAMES,
      passed: [],
      failed: { 'node-a': ErrReasonUnboundImmediate, 'node-b': ErrReasonUnboundImmediate, 'node-c': ErrReasonUnboundImmediate },
    },
    {
      name: 'missing claim is repeated on every node',
      pod: PODS.missing,
      names: ['node-a', 'node-b'],
      passed: [],
      failed: { 'node-a': 'persistentvolumeclaim "does-not-exist" not found', 'node-b': 'persistentvolumeclaim "does-not-exist" not found' },
    },
    {
      name: 'bound PV node affinity conflict',
      pod: PODS.pinned,
      names: NAMES,
      passed: ['node-a'],
      failed: { 'node-b': ErrReasonNodeConflict, 'node-c': ErrReasonNodeConflict },
    },
    {
      name: 'multiple reasons are joined with ", " in R6.1 order',
      pod: PODS.multi,
      names: NAMES,
      passed: ['node-a'],
      failed: { 'node-b': ErrReasonNodeConflict, 'node-c': `${ErrReasonNodeConflict}, ${ErrReasonBindConflict}` },
    },
    {
      name: 'unknown node name fails only that node',
      pod: PODS.web,
      names: ['node-a', 'ghost', 'node-b'],
      passed: ['node-a', 'node-b'],
      failed: { ghost: unknownNodeReason('ghost') },
    },
  ])('$name', async ({ pod, names, passed, failed }) => {
    const h = harness();
    const res = await h.post('filter', namesArgs(pod, names)).expect(200);
    expect(res.body).toEqual({ Nodes: null, NodeNames: passed, FailedNodes: {}, FailedAndUnresolvableNodes: failed, Error: '' });
  });

  it.each([
    { name: 'NodeNames mode', args: namesArgs(PODS.noMode) },
    { name: 'Nodes mode', args: nodesArgs(PODS.noMode) },
  ])('engine error goes to Error with everything else null ($name)', async ({ args }) => {
    const h = harness();
    const res = await h.post('filter', args).expect(200);
    expect(Object.keys(res.body)).toEqual(FILTER_KEYS);
    expect(res.body).toEqual({
      Nodes: null,
      NodeNames: null,
      FailedNodes: null,
      FailedAndUnresolvableNodes: null,
      Error: 'VolumeBindingMode not set for StorageClass "no-mode"',
    });
  });

  it('Nodes mode repeats a pod-level failure per node and returns an empty item list', async () => {
    const h = harness();
    const res = await h.post('filter', nodesArgs(PODS.immediate, ['node-a', 'node-b'])).expect(200);
    expect(res.body).toEqual({
      Nodes: { metadata: {}, items: [] },
      NodeNames: null,
      FailedNodes: {},
      FailedAndUnresolvableNodes: { 'node-a': ErrReasonUnboundImmediate, 'node-b': ErrReasonUnboundImmediate },
      Error: '',
    });
  });
});

describe('filter: observability', () => {
  it('counts per-node decisions by reason code', async () => {
    const h = harness();
    await h.post('filter', namesArgs(PODS.multi, [...NAMES, 'ghost'])).expect(200);
    const m = await h.metrics.filterNodeDecisions.get();
    const byLabels = Object.fromEntries(m.values.map((v) => [`${String(v.labels.result)}/${String(v.labels.reason)}`, v.value]));
    expect(byLabels).toEqual({
      'fit/none': 1,
      'unfit/node_affinity_conflict': 2,
      'unfit/bind_conflict': 1,
      'unfit/unknown_node': 1,
    });
  });

  it('logs rejections at info with the pod, and all-fit decisions only at debug', async () => {
    const h = harness();
    await h.post('filter', namesArgs(PODS.pinned)).set('x-request-id', 'req-42').expect(200).expect('x-request-id', 'req-42');
    const info = h.logs.filter((l) => l.level === 30);
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({
      msg: 'filter: rejected nodes',
      reqId: 'req-42',
      verb: 'filter',
      pod: { namespace: 'shop', name: 'pinned', uid: 'uid-pinned' },
      nodes: 3,
      failed: 2,
      reasons: { node_affinity_conflict: 2 },
    });

    h.logs.length = 0;
    await h.post('filter', namesArgs(PODS.plain)).expect(200);
    expect(h.logs.filter((l) => l.level >= 30)).toEqual([]);
    expect(h.logs.some((l) => l.level === 20 && l.msg === 'filter: all nodes fit')).toBe(true);
  });
});
