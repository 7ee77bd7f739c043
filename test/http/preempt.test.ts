import { describe, expect, it } from 'vitest';
import { harness, PODS } from './fixtures.js';

const victimPod = (uid: string) => ({ metadata: { name: `victim-${uid}`, namespace: 'shop', uid }, spec: {}, status: {} });

/** nodeCacheCapable: true form. */
function metaArgs(pod: object, nodes: readonly string[]) {
  return {
    Pod: pod,
    NodeNameToVictims: null,
    NodeNameToMetaVictims: Object.fromEntries(nodes.map((n, i) => [n, { Pods: [{ UID: `v-${n}` }], NumPDBViolations: i }])),
  };
}

/** nodeCacheCapable: false form. */
function fullArgs(pod: object, nodes: readonly string[]) {
  return {
    Pod: pod,
    NodeNameToVictims: Object.fromEntries(nodes.map((n, i) => [n, { Pods: [victimPod(`v-${n}`)], NumPDBViolations: i }])),
    NodeNameToMetaVictims: null,
  };
}

const meta = (n: string, i: number) => [n, { Pods: [{ UID: `v-${n}` }], NumPDBViolations: i }] as const;

describe('preempt (R16.4)', () => {
  it.each([
    { name: 'meta victims: keep only nodes where volumes fit', args: metaArgs(PODS.pinned, ['node-a', 'node-b', 'node-c']), want: [meta('node-a', 0)] },
    { name: 'full victims: converted to meta, same filtering', args: fullArgs(PODS.pinned, ['node-a', 'node-b', 'node-c']), want: [meta('node-a', 0)] },
    { name: 'NumPDBViolations preserved', args: metaArgs(PODS.web, ['node-c', 'node-b', 'node-a']), want: [meta('node-b', 1), meta('node-a', 2)] },
    { name: 'pod without PVCs keeps every node', args: fullArgs(PODS.plain, ['node-a', 'ghost']), want: [meta('node-a', 0), meta('ghost', 1)] },
    { name: 'unknown node is dropped', args: metaArgs(PODS.web, ['ghost', 'node-a']), want: [meta('node-a', 1)] },
    { name: 'pod-level unschedulable → empty map', args: metaArgs(PODS.immediate, ['node-a', 'node-b']), want: [] },
    { name: 'engine error → empty map', args: fullArgs(PODS.noMode, ['node-a']), want: [] },
    { name: 'both maps null → empty map', args: { Pod: PODS.web, NodeNameToVictims: null, NodeNameToMetaVictims: null }, want: [] },
  ])('$name', async ({ args, want }) => {
    const h = harness();
    const res = await h.post('preempt', args).expect(200);
    expect(Object.keys(res.body)).toEqual(['NodeNameToMetaVictims']);
    expect(res.body).toEqual({ NodeNameToMetaVictims: Object.fromEntries(want) });
    for (const v of Object.values(res.body.NodeNameToMetaVictims as Record<string, object>)) {
      expect(Object.keys(v)).toEqual(['Pods', 'NumPDBViolations']);
    }
  });

  it('accepts lowercase keys in the args and the victims structs', async () => {
    const h = harness();
    const res = await h
      .post('preempt', { pod: PODS.pinned, nodenametometavictims: { 'node-a': { pods: [{ uid: 'x' }], numpdbviolations: 2 }, 'node-b': { Pods: [] } } })
      .expect(200);
    expect(res.body).toEqual({ NodeNameToMetaVictims: { 'node-a': { Pods: [{ UID: 'x' }], NumPDBViolations: 2 } } });
  });

  it('a victim pod without metadata.uid is a 400', async () => {
    const h = harness();
    const res = await h.post('preempt', { Pod: PODS.web, NodeNameToVictims: { 'node-a': { Pods: [{ metadata: { name: 'x' } }] } } }).expect(400);
    expect(res.body).toEqual({ Error: 'preempt: NodeNameToVictims["node-a"].Pods[0].metadata.uid: required' });
  });
});
