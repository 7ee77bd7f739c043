import { describe, expect, it } from 'vitest';
import type { ScoringPolicy } from '../../src/engine/score.js';
import { harness, NAMES, namesArgs, nodesArgs, PODS, SCORING_LINEAR, SCORING_OFF } from './fixtures.js';

function hostsOf(args: { NodeNames: readonly string[] | null; Nodes: { items: { metadata: { name: string } }[] } | null }): readonly string[] {
  return args.NodeNames ?? args.Nodes?.items.map((n) => n.metadata.name) ?? [];
}

describe('prioritize (R16.2)', () => {
  it('answers a bare [{Host, Score}] array with exact keys', async () => {
    const h = harness({ policy: SCORING_LINEAR });
    const res = await h.post('prioritize', namesArgs(PODS.web)).expect(200).expect('Content-Type', /application\/json/);
    expect(Array.isArray(res.body)).toBe(true);
    for (const e of res.body) expect(Object.keys(e)).toEqual(['Host', 'Score']);
  });

  // PVC 50Gi: node-a's smallest fitting PV is 200Gi (25% → 25 → round(2.5) = 3, half away
  // from zero), node-b's 100Gi (50% → 50 → 5); node-c does not fit → 0.
  it.each([
    { name: 'linear capacity, NodeNames', policy: SCORING_LINEAR, args: namesArgs(PODS.web), want: [3, 5, 0] },
    { name: 'linear capacity, Nodes', policy: SCORING_LINEAR, args: nodesArgs(PODS.web), want: [3, 5, 0] },
    { name: 'input order is kept', policy: SCORING_LINEAR, args: namesArgs(PODS.web, ['node-c', 'node-b', 'node-a']), want: [0, 5, 3] },
    { name: 'scoring off', policy: SCORING_OFF, args: namesArgs(PODS.web), want: [0, 0, 0] },
    { name: 'pod without PVCs', policy: SCORING_LINEAR, args: namesArgs(PODS.plain), want: [0, 0, 0] },
    { name: 'pod-level unschedulable', policy: SCORING_LINEAR, args: namesArgs(PODS.immediate), want: [0, 0, 0] },
    { name: 'unknown node scores 0', policy: SCORING_LINEAR, args: namesArgs(PODS.web, ['node-a', 'ghost', 'node-b']), want: [3, 0, 5] },
  ])('$name', async ({ policy, args, want }) => {
    const h = harness({ policy });
    const res = await h.post('prioritize', args).expect(200);
    expect(res.body).toEqual(hostsOf(args).map((Host, i) => ({ Host, Score: want[i] })));
  });

  it('a reversed shape (spreading) flips the preference', async () => {
    const spread: ScoringPolicy = {
      ...SCORING_LINEAR,
      capacity: { ...SCORING_LINEAR.capacity, shape: [{ utilization: 0, score: 10 }, { utilization: 100, score: 0 }] },
    };
    const h = harness({ policy: spread });
    const res = await h.post('prioritize', namesArgs(PODS.web)).expect(200);
    // 100 - 25 = 75 → 8 (round(7.5) half away from zero); 100 - 50 = 50 → 5.
    expect(res.body).toEqual([
      { Host: 'node-a', Score: 8 },
      { Host: 'node-b', Score: 5 },
      { Host: 'node-c', Score: 0 },
    ]);
  });

  it('an engine error answers 200 with zero scores and a log line', async () => {
    const h = harness({ policy: SCORING_LINEAR });
    const res = await h.post('prioritize', namesArgs(PODS.noMode)).expect(200);
    expect(res.body).toEqual(NAMES.map((Host) => ({ Host, Score: 0 })));
    expect(h.logs.some((l) => l.level === 40 && l.error === 'VolumeBindingMode not set for StorageClass "no-mode"')).toBe(true);
  });

  it('a throwing policy (engine bug) answers 200 with zero scores, never 500', async () => {
    const app = harness({
      policy: new Proxy(SCORING_LINEAR, {
        get() {
          throw new Error('policy exploded');
        },
      }),
    });
    const res = await app.post('prioritize', namesArgs(PODS.web)).expect(200);
    expect(res.body).toEqual(NAMES.map((Host) => ({ Host, Score: 0 })));
    expect(app.logs.some((l) => l.level === 50 && l.msg.startsWith('prioritize: scoring failed'))).toBe(true);
  });
});
