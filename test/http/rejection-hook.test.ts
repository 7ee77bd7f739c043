import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/engine/types.js';
import type { NodeLike } from '../../src/engine/view.js';
import { rejectionMessage } from '../../src/live/rejection-events.js';
import { buildStore, harness, namesArgs, PODS } from './fixtures.js';


describe('filter → onFilterRejected hook (Events for bare "didn\'t find available persistent volumes")', () => {
  function recording() {
    const calls: { pod: string; nodes: string[] }[] = [];
    const hook = (p: Pod, nodes: readonly NodeLike[]): void => {
      calls.push({ pod: p.metadata?.name ?? '', nodes: nodes.map((n) => n.name) });
    };
    return { calls, hook };
  }

  it.each([
    { name: 'every node rejected for volume reasons → called once with the nodes', pod: PODS.single0, offered: ['node-b', 'node-c'], want: [{ pod: 'single-0', nodes: ['node-b', 'node-c'] }] },
    { name: 'some node fits → not called', pod: PODS.web, offered: ['node-a', 'node-b', 'node-c'], want: [] },
    { name: 'pod-level rejection (unbound immediate) → not called (the message is already specific)', pod: PODS.immediate, offered: ['node-a'], want: [] },
    { name: 'pod without claims → not called', pod: PODS.plain, offered: ['node-a'], want: [] },
  ])('$name', async ({ pod, offered, want }) => {
    const { calls, hook } = recording();
    const h = harness({ onFilterRejected: hook });
    const res = await h.post('filter', namesArgs(pod, offered)).expect(200);
    expect(res.body.Error).toBe('');
    expect(calls).toEqual(want);
  });

  it('rejectionMessage names the claim, the PV and the label for sample nodes', () => {
    const store = buildStore();
    const nodes = ['node-b', 'node-c'].map((n) => ({ name: n, labels: store.node(n)?.metadata?.labels ?? {} }));
    const msg = rejectionMessage(PODS.single0, nodes, store);
    expect(msg).toMatch(/^0\/2 offered node\(s\) can satisfy the pod's volumes\. node node-b: pvc single-0 /);
    expect(msg).toContain('needs kubernetes.io/hostname In [node-a]; node node-b has kubernetes.io/hostname=node-b');
    expect(msg).toContain('| node node-c: ');
  });
});
