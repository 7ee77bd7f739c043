import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { PersistentVolumeClaim, Pod } from '../../src/engine/types.js';
import { EventRecorder } from '../../src/live/events.js';
import { StaleSelectedNodeCleaner } from '../../src/live/stale-selected-node.js';
import { FakeApi } from './fake-api.js';

const logger = pino({ level: 'silent' });

function pinned(name: string, node: string, volumeName?: string): PersistentVolumeClaim {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, annotations: { 'volume.kubernetes.io/selected-node': node, keep: 'me' } },
    spec: { storageClassName: 'dyn', ...(volumeName ? { volumeName } : {}) },
  };
}

describe('stale selected-node cleanup (issue: pods pinned to deleted nodes)', () => {
  function setup(synced = true) {
    const api = new FakeApi();
    let now = 0;
    const events = new EventRecorder(api, logger, {}, () => now);
    api.put('Node', { metadata: { name: 'alive', labels: {} } });
    const cleaner = new StaleSelectedNodeCleaner(api.store, api, logger, () => synced, events, { graceMs: 1000, intervalMs: 10 }, () => now);
    return { api, cleaner, setNow: (t: number) => (now = t) };
  }

  it('clears the annotation only after the node has been missing for the grace period, keeps other annotations, records an Event', async () => {
    const { api, cleaner, setNow } = setup();
    api.put('PersistentVolumeClaim', pinned('gone-node', 'deleted-node'));
    api.put('PersistentVolumeClaim', pinned('live-node', 'alive'));
    api.put('PersistentVolumeClaim', pinned('already-bound', 'deleted-node', 'pv-x'));

    expect(cleaner.stale().map((c) => c.metadata?.name)).toEqual(['gone-node']);
    expect(await cleaner.scan()).toBe(0); // first seen missing: grace starts
    setNow(999);
    expect(await cleaner.scan()).toBe(0);
    setNow(1000);
    expect(await cleaner.scan()).toBe(1);

    const pvc = api.get<PersistentVolumeClaim>('PersistentVolumeClaim', 'ns', 'gone-node')!;
    expect(pvc.metadata?.annotations).toEqual({ keep: 'me' });
    expect(api.get<PersistentVolumeClaim>('PersistentVolumeClaim', 'ns', 'live-node')!.metadata?.annotations?.['volume.kubernetes.io/selected-node']).toBe('alive');
    expect(api.get<PersistentVolumeClaim>('PersistentVolumeClaim', 'ns', 'already-bound')!.metadata?.annotations?.['volume.kubernetes.io/selected-node']).toBe('deleted-node');
    expect(api.events.map((e) => [e.reason, e.involved.name])).toEqual([['StaleSelectedNodeCleared', 'gone-node']]);
    expect(api.events[0]!.message).toContain('node deleted-node no longer exists');
  });

  it('does nothing while the node cache is not synced (a missing node may just be informer lag)', async () => {
    const { api, cleaner, setNow } = setup(false);
    api.put('PersistentVolumeClaim', pinned('gone-node', 'deleted-node'));
    setNow(10_000);
    expect(await cleaner.scan()).toBe(0);
    expect(await cleaner.scan()).toBe(0);
    expect(api.calls.filter((c) => c.startsWith('replacePVC'))).toEqual([]);
  });

  it('a node that reappears within the grace period is left alone', async () => {
    const { api, cleaner, setNow } = setup();
    api.put('PersistentVolumeClaim', pinned('pvc', 'late-node'));
    expect(await cleaner.scan()).toBe(0);
    api.put('Node', { metadata: { name: 'late-node', labels: {} } });
    setNow(5000);
    expect(await cleaner.scan()).toBe(0);
    expect(api.calls.filter((c) => c.startsWith('replacePVC'))).toEqual([]);
  });
});

describe('EventRecorder', () => {
  it('rate-limits per object and reason, and survives API failures', async () => {
    const api = new FakeApi();
    let now = 0;
    const rec = new EventRecorder(api, logger, { minIntervalMs: 100 }, () => now);
    const pod: Pod = { metadata: { name: 'p', namespace: 'ns', uid: 'u1' } };
    expect(rec.forPod(pod, 'Warning', 'VolumeBindingFailed', 'x')).toBe(true);
    expect(rec.forPod(pod, 'Warning', 'VolumeBindingFailed', 'y')).toBe(false);
    expect(rec.forPod(pod, 'Normal', 'VolumesBound', 'z')).toBe(true);
    now = 100;
    expect(rec.forPod(pod, 'Warning', 'VolumeBindingFailed', 'w')).toBe(true);
    expect(api.events.map((e) => e.message)).toEqual(['x', 'z', 'w']);
    api.createEvent = () => Promise.reject(new Error('forbidden'));
    now = 1000;
    expect(rec.forPod(pod, 'Warning', 'VolumeBindingFailed', 'v')).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
  });
});
