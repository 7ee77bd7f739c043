/**
 * Wire-level tests: the real informers (client-node ListWatch + Watch over undici) against the
 * loopback fake API server. Waits are bounded polls on conditions; the few negative checks
 * ("nothing more happens") wait a fixed multiple of the configured delays.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KINDS } from '../../src/cluster/store.js';
import type { PersistentVolume } from '../../src/engine/types.js';
import { type LiveReadiness, RESOURCE_PATHS } from '../../src/live/informers.js';
import { FakeApiServer } from './fake-apiserver.js';
import { allWatchesOpen, type Live, metricValue, objects, seed, startLive, waitFor } from './helpers.js';

const P = RESOURCE_PATHS;
let live: Live | undefined;

afterEach(async () => {
  await live?.close();
  live = undefined;
});

async function started(opts: Parameters<typeof startLive>[0] = {}): Promise<Live> {
  live = await startLive(opts);
  return live;
}

async function synced(opts: Parameters<typeof startLive>[0] = {}): Promise<Live> {
  const l = await started(opts);
  await l.source.waitForSync(5000);
  await waitFor(() => allWatchesOpen(l) && KINDS.every((k) => l.source.status()[k].openWatches === 1), 'all watches open');
  return l;
}

function listsOf(l: Live, path: string): number[] {
  return l.fake.requests.filter((r) => r.path === path && r.mode === 'list' && !r.query.has('continue')).map((r) => r.at);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('initial list and readiness', () => {
  it('fills the store from all 8 kinds (paged) and is ready only after the last kind has listed', async () => {
    const fake = await FakeApiServer.start();
    seed(fake);
    fake.setObjects(P.Node, [objects.node('n1'), objects.node('n2'), objects.node('n3')]);
    const releaseCSINode = fake.hold(P.CSINode, 'list');
    const changes: LiveReadiness[] = [];
    const l = await started({ fake, seed: false, options: { onReadinessChange: (r) => changes.push(r) } });

    await waitFor(() => KINDS.filter((k) => k !== 'CSINode').every((k) => l.source.status()[k].state === 'synced'), '7 kinds synced');
    expect(l.source.status().CSINode.state).toBe('pending');
    const r = l.source.ready();
    expect(r.ready).toBe(false);
    expect(!r.ready && r.reason).toBe('not synced yet: CSINode');
    expect(await metricValue(l.registry, 'vte_informer_synced', { kind: 'CSINode' })).toBe(0);
    expect(await metricValue(l.registry, 'vte_informer_synced', { kind: 'Node' })).toBe(1);
    await expect(l.source.waitForSync(30)).rejects.toThrow(/informers not synced after 30 ms: CSINode/);

    expect(changes.at(-1)).toEqual({ ready: false, reason: 'not synced yet: CSINode' });
    releaseCSINode();
    await l.source.waitForSync(5000);
    expect(l.source.ready()).toEqual({ ready: true });
    expect(changes.at(-1)).toEqual({ ready: true });
    expect(changes.filter((c) => c.ready)).toHaveLength(1);
    expect(l.store.counts()).toEqual({
      Node: 3,
      Pod: 1,
      PersistentVolume: 1,
      PersistentVolumeClaim: 1,
      StorageClass: 1,
      CSIDriver: 1,
      CSIStorageCapacity: 1,
      CSINode: 1,
    });
    // 3 nodes with page size 2: two pages, the second with ?continue
    expect(fake.requests.filter((q) => q.path === P.Node && q.mode === 'list').map((q) => q.query.get('continue'))).toEqual([null, '2']);
    expect(l.store.csiNode('n1')?.metadata?.name).toBe('n1');
    expect(l.store.storageClass('local')?.name).toBe('local');
    expect(l.store.capacityClass('local')).toBeDefined();
    const listDone = l.logs.filter((x) => x.msg === 'informer list done');
    expect(listDone.map((x) => x.kind).sort()).toEqual([...KINDS].sort());
    expect(listDone.find((x) => x.kind === 'Node')).toMatchObject({ level: 30, objects: 3 });
  });

  it('asks for bookmarks and a server-side timeout on every watch, from the list resourceVersion', async () => {
    const l = await synced();
    const w = l.fake.requests.find((q) => q.path === P.Pod && q.mode === 'watch')!;
    expect(w.query.get('allowWatchBookmarks')).toBe('true');
    expect(Number(w.query.get('timeoutSeconds'))).toBe(450); // [300, 600] with random() = 0.5
    expect(Number(w.query.get('resourceVersion'))).toBeGreaterThan(0);
  });

  it('exposes the informer metrics on the given registry', async () => {
    const l = await synced();
    const text = await l.registry.metrics();
    for (const kind of KINDS) {
      expect(text).toContain(`vte_informer_synced{kind="${kind}"} 1`);
      expect(text).toContain(`vte_informer_restarts_total{kind="${kind}"} 0`);
      expect(text).toMatch(new RegExp(`vte_informer_last_event_age_seconds\\{kind="${kind}"\\} \\d`));
    }
    expect(text).toContain('vte_cluster_objects{kind="Node"} 2');
    const age = await metricValue(l.registry, 'vte_informer_last_event_age_seconds', { kind: 'Node' });
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(10);
  });
});

describe('pruning on the wire', () => {
  it('managedFields, pod containers and node status never reach the store (list and watch)', async () => {
    const l = await synced();
    const check = (): void => {
      for (const kind of KINDS) for (const o of l.store.list(kind)) expect(o.metadata, `${kind} ${o.metadata?.name}`).not.toHaveProperty('managedFields');
    };
    check();
    expect(l.store.pod('default', 'p1')).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p1', namespace: 'default', uid: 'uid-default-p1', resourceVersion: expect.any(String), labels: { app: 'p1' }, annotations: { note: 'kept' } },
      spec: { schedulerName: 'default-scheduler', volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'c1' } }] },
      status: { phase: 'Pending' },
    });
    expect(l.store.node('n1')).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', uid: 'uid--n1', resourceVersion: expect.any(String), labels: { 'kubernetes.io/hostname': 'n1' } },
      spec: { unschedulable: false },
    });

    const p2 = objects.pod('default', 'p2');
    l.fake.emit(P.Pod, 'ADDED', p2);
    l.fake.emit(P.Node, 'MODIFIED', objects.node('n2', { zone: 'z9' }));
    l.fake.emit(P.PersistentVolume, 'ADDED', objects.pv('pv9'));
    await waitFor(() => l.store.pod('default', 'p2') && l.store.node('n2')?.metadata?.labels?.zone === 'z9' && l.store.pv('pv9'), 'watch events applied');
    check();
    expect(l.store.pod('default', 'p2')?.spec).toEqual({ schedulerName: 'default-scheduler', volumes: [] });
    expect(l.store.node('n2')).not.toHaveProperty('status');
  });
});

describe('watch events', () => {
  it('ADDED, MODIFIED and DELETED reach the store', async () => {
    const l = await synced();
    l.fake.emit(P.Node, 'ADDED', objects.node('n3'));
    l.fake.emit(P.PersistentVolumeClaim, 'ADDED', objects.pvc('team', 'c2'));
    await waitFor(() => l.store.node('n3') && l.store.pvc('team', 'c2'), 'ADDED applied');
    expect(l.store.nodeNames()).toEqual(['n1', 'n2', 'n3']);

    const n3 = objects.node('n3', { zone: 'z2' });
    l.fake.emit(P.Node, 'MODIFIED', n3);
    await waitFor(() => l.store.node('n3')?.metadata?.labels?.zone === 'z2', 'MODIFIED applied');

    l.fake.emit(P.Node, 'DELETED', objects.node('n3'));
    l.fake.emit(P.PersistentVolumeClaim, 'DELETED', objects.pvc('team', 'c2'));
    await waitFor(() => !l.store.node('n3') && !l.store.pvc('team', 'c2'), 'DELETED applied');
    expect(l.store.nodeNames()).toEqual(['n1', 'n2']);
    expect(await metricValue(l.registry, 'vte_cluster_objects', { kind: 'Node' })).toBe(2);
  });

  it('an assumed PV is dropped when a MODIFIED event with a new resourceVersion arrives (not on a bookmark)', async () => {
    const l = await synced();
    const api = l.store.apiPV('pv1')!;
    const assumed: PersistentVolume = structuredClone(api);
    assumed.spec = { ...assumed.spec, claimRef: { namespace: 'default', name: 'c1', uid: 'uid-default-c1' } };
    l.store.assumePV(assumed);
    expect(l.store.isPVAssumed('pv1')).toBe(true);

    l.fake.send(P.PersistentVolume, 'BOOKMARK', { kind: 'PersistentVolume', apiVersion: 'v1', metadata: { resourceVersion: l.fake.nextRV() } });
    const marker = objects.pv('pv-marker');
    l.fake.emit(P.PersistentVolume, 'ADDED', marker);
    await waitFor(() => l.store.pv('pv-marker'), 'marker event after the bookmark');
    expect(l.store.isPVAssumed('pv1')).toBe(true);

    const updated = objects.pv('pv1');
    (updated.spec as Record<string, unknown>).claimRef = { namespace: 'default', name: 'other', uid: 'x' };
    l.fake.emit(P.PersistentVolume, 'MODIFIED', updated);
    await waitFor(() => !l.store.isPVAssumed('pv1'), 'assumption dropped');
    expect(l.store.pv('pv1')?.claimKey).toBe('default/other');
  });
});

describe('malformed events', () => {
  it('an event without metadata is logged, not an unhandled rejection, and the watch keeps working', async () => {
    const l = await synced();
    expect(l.fake.send(P.Pod, 'ADDED', { kind: 'Pod', apiVersion: 'v1' })).toBe(1);
    expect(l.fake.send(P.Pod, 'ADDED', null)).toBe(1);
    l.fake.emit(P.Pod, 'ADDED', objects.pod('default', 'after'));
    await waitFor(() => l.store.pod('default', 'after'), 'later event applied');
    const errs = l.logs.filter((x) => x.kind === 'Pod' && x.level === 50 && x.msg === 'informer event handling failed');
    expect(errs).toHaveLength(2);
    expect(l.source.status().Pod).toMatchObject({ state: 'synced', restarts: 0 });
  });
});

describe('410 Gone: client-node relists, the store is reconciled', () => {
  it('ERROR 410 in the stream → relist that removes objects gone from the new list', async () => {
    const l = await synced();
    const listsBefore = listsOf(l, P.PersistentVolume).length;
    // change the collection behind the watch's back: pv1 vanishes, pv2 appears
    l.fake.setObjects(P.PersistentVolume, [objects.pv('pv2')]);
    expect(l.fake.expireWatches(P.PersistentVolume)).toBe(1);
    await waitFor(() => !l.store.pv('pv1') && l.store.pv('pv2'), 'relist reconciled the store');
    expect(listsOf(l, P.PersistentVolume).length).toBe(listsBefore + 1);
    expect(l.source.status().PersistentVolume).toMatchObject({ state: 'synced', restarts: 0 });
    expect(await metricValue(l.registry, 'vte_informer_restarts_total', { kind: 'PersistentVolume' })).toBe(0);
    expect(l.logs.some((x) => x.kind === 'PersistentVolume' && x.msg.includes('410 in stream'))).toBe(true);
    await waitFor(() => l.fake.openWatches(P.PersistentVolume) === 1, 'watch reopened');
  });

  it('HTTP 410 on the watch request → relist', async () => {
    const l = await synced();
    l.fake.setObjects(P.PersistentVolumeClaim, [objects.pvc('default', 'c9')]);
    l.fake.fail(P.PersistentVolumeClaim, 410, { mode: 'watch' });
    l.fake.closeWatches(P.PersistentVolumeClaim);
    await waitFor(() => !l.store.pvc('default', 'c1') && l.store.pvc('default', 'c9'), 'relist after HTTP 410');
    expect(l.fake.count(P.PersistentVolumeClaim, 'watch', 410)).toBe(1);
    expect(l.source.status().PersistentVolumeClaim).toMatchObject({ state: 'synced', restarts: 0 });
    expect(l.source.ready()).toEqual({ ready: true });
  });
});

describe('client-node reconnects by itself', () => {
  it('a clean server close re-watches from the last resourceVersion, backing off while closes bring no events', async () => {
    const l = await synced({ options: { watchReconnectDelayScale: 0.1 } }); // client-node's 1 s → 100 ms
    const path = P.StorageClass;
    const ev = l.fake.emit(path, 'ADDED', objects.sc('fast'));
    await waitFor(() => l.store.storageClass('fast'), 'event applied');
    const lists = listsOf(l, path).length;
    const watchTimes: number[] = [];
    const closes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = l.fake.count(path, 'watch');
      await waitFor(() => l.fake.openWatches(path) === 1, 'watch open');
      closes.push(performance.now());
      l.fake.closeWatches(path);
      await waitFor(() => l.fake.count(path, 'watch') > before, `re-watch ${i}`);
      watchTimes.push(l.fake.requests.filter((q) => q.path === path && q.mode === 'watch').at(-1)!.at);
    }
    const rewatches = l.fake.requests.filter((q) => q.path === path && q.mode === 'watch').slice(-3);
    for (const q of rewatches) expect(q.query.get('resourceVersion')).toBe(ev.metadata.resourceVersion);
    const gaps = watchTimes.map((t, i) => t - closes[i]!);
    // first close after an event: no delay; then 1 s, 2 s (scaled ×0.1)
    expect(gaps[1]).toBeGreaterThanOrEqual(90);
    expect(gaps[2]).toBeGreaterThanOrEqual(190);
    expect(listsOf(l, path).length).toBe(lists);
    expect(l.source.status().StorageClass).toMatchObject({ state: 'synced', restarts: 0 });
  });
});

describe('supervisor: errors client-node does not retry', () => {
  it('HTTP 500 on list: restarts with growing backoff, not ready until it recovers, restarts metric counts', async () => {
    const fake = await FakeApiServer.start();
    fake.fail(P.PersistentVolume, 500, { mode: 'list', times: 3 });
    const l = await started({ fake });
    await waitFor(() => l.source.status().PersistentVolume.state === 'down', 'PV down');
    const r = l.source.ready();
    expect(r.ready).toBe(false);
    expect(!r.ready && r.reason).toMatch(/down: PersistentVolume \(list \/api\/v1\/persistentvolumes: HTTP 500 InternalError/);

    await l.source.waitForSync(5000);
    expect(l.source.ready()).toEqual({ ready: true });
    expect(l.store.pv('pv1')).toBeDefined();
    expect(fake.count(P.PersistentVolume, 'list', 500)).toBe(3);
    expect(await metricValue(l.registry, 'vte_informer_restarts_total', { kind: 'PersistentVolume' })).toBe(3);
    expect(await metricValue(l.registry, 'vte_informer_errors_total', { kind: 'PersistentVolume', class: 'server' })).toBe(3);
    expect(await metricValue(l.registry, 'vte_informer_restarts_total', { kind: 'Pod' })).toBe(0);
    const retries = l.logs.filter((x) => x.kind === 'PersistentVolume' && x.level === 40 && x.msg.includes('restarting with backoff')).map((x) => x.retryInMs);
    expect(retries).toEqual([10, 20, 40]);
    const t = listsOf(l, P.PersistentVolume);
    expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(9);
    expect(t[2]! - t[1]!).toBeGreaterThanOrEqual(19);
    expect(t[3]! - t[2]!).toBeGreaterThanOrEqual(39);

    // the backoff was reset by the successful list + watch: the next failure waits the initial delay again
    await waitFor(() => l.source.status().PersistentVolume.openWatches === 1, 'PV watch open');
    l.fake.fail(P.PersistentVolume, 500, { mode: 'list' });
    l.fake.expireWatches(P.PersistentVolume);
    await waitFor(() => l.logs.filter((x) => x.kind === 'PersistentVolume' && x.level === 40 && x.msg.includes('restarting')).length === 4, 'fourth failure');
    expect(l.logs.filter((x) => x.kind === 'PersistentVolume' && x.msg.includes('restarting with backoff')).at(-1)).toMatchObject({ retryInMs: 10, attempt: 1 });
    await l.source.waitForSync(5000);
  });

  it('403: logged at error level as RBAC/credentials, not ready, keeps retrying (capped backoff) until allowed', async () => {
    const fake = await FakeApiServer.start();
    const allow = fake.fail(P.CSINode, 403, { mode: 'list', times: Infinity });
    const l = await started({ fake });
    await waitFor(() => fake.count(P.CSINode, 'list', 403) >= 6, 'six forbidden lists');
    const r = l.source.ready();
    expect(r.ready).toBe(false);
    expect(!r.ready && r.reason).toMatch(/down: CSINode \(.*HTTP 403 Forbidden/);
    const errs = l.logs.filter((x) => x.kind === 'CSINode' && x.level === 50);
    expect(errs.length).toBeGreaterThanOrEqual(5);
    expect(errs[0]).toMatchObject({ errorClass: 'auth', status: 403 });
    expect(errs[0]!.msg).toMatch(/RBAC\/credentials/);
    expect(errs.slice(0, 5).map((x) => x.retryInMs)).toEqual([10, 20, 40, 80, 80]);
    expect(await metricValue(l.registry, 'vte_informer_synced', { kind: 'CSINode' })).toBe(0);
    expect(await metricValue(l.registry, 'vte_informer_errors_total', { kind: 'CSINode', class: 'auth' })).toBeGreaterThanOrEqual(5);

    allow();
    await l.source.waitForSync(5000);
    expect(l.store.csiNode('n1')).toBeDefined();
  });

  it('HTTP 500 on the watch request: fresh list+watch, not ready until the new list', async () => {
    const l = await synced();
    const lists = listsOf(l, P.CSIDriver).length;
    const release = l.fake.hold(P.CSIDriver, 'list'); // park the relist so the down state is observable
    l.fake.fail(P.CSIDriver, 500, { mode: 'watch' });
    l.fake.closeWatches(P.CSIDriver);
    await waitFor(() => l.source.status().CSIDriver.state === 'down' && l.fake.count(P.CSIDriver, 'list', 'held') === 1, 'down, relist parked');
    expect(l.source.ready().ready).toBe(false);
    release();
    await l.source.waitForSync(5000);
    expect(listsOf(l, P.CSIDriver).length).toBe(lists + 1);
    expect(l.source.status().CSIDriver).toMatchObject({ state: 'synced', restarts: 1 });
  });

  it('a connection reset mid-stream is a network error: restart, relist, reconcile', async () => {
    const l = await synced();
    l.fake.setObjects(P.Pod, [objects.pod('default', 'p7')]);
    l.fake.resetWatches(P.Pod);
    await waitFor(() => l.store.pod('default', 'p7') && !l.store.pod('default', 'p1'), 'reconciled after reset');
    expect(await metricValue(l.registry, 'vte_informer_errors_total', { kind: 'Pod', class: 'network' })).toBe(1);
    expect(l.source.status().Pod).toMatchObject({ state: 'synced', restarts: 1 });
  });
});

describe('stop()', () => {
  it('ends every watch connection, unregisters its metrics and raises no unhandled errors', async () => {
    const unhandled: unknown[] = [];
    const onErr = (e: unknown): void => {
      unhandled.push(e);
    };
    process.on('unhandledRejection', onErr);
    process.on('uncaughtException', onErr);
    try {
      const l = await synced();
      expect(l.fake.openWatches()).toBe(8);
      await l.source.stop();
      await waitFor(() => l.fake.openWatches() === 0, 'server sees no open watch');
      expect(KINDS.every((k) => l.source.status()[k].openWatches === 0)).toBe(true);
      expect(l.source.ready()).toEqual({ ready: false, reason: 'informers stopped' });
      expect(l.registry.getSingleMetric('vte_informer_synced')).toBeUndefined();
      await expect(l.source.waitForSync(1000)).rejects.toThrow(/stopped/);
      const n = l.fake.requests.length;
      await sleep(100);
      expect(l.fake.requests.length).toBe(n);
      await l.source.stop(); // idempotent
      expect(l.logs.some((x) => x.level >= 40)).toBe(false);
    } finally {
      process.off('unhandledRejection', onErr);
      process.off('uncaughtException', onErr);
    }
    expect(unhandled).toEqual([]);
  });

  it('during a list in flight: the list is aborted and no watch is opened afterwards', async () => {
    const fake = await FakeApiServer.start();
    const release = fake.hold(P.Pod, 'list');
    const l = await started({ fake });
    await waitFor(() => fake.count(P.Pod, 'list', 'held') === 1, 'pod list parked');
    await l.source.stop();
    release();
    await sleep(50);
    expect(fake.count(P.Pod, 'watch')).toBe(0);
    await waitFor(() => fake.openWatches() === 0, 'no open watches');
  });

  it('while a watch request is still connecting (client-node has no controller to abort yet)', async () => {
    const fake = await FakeApiServer.start();
    const release = fake.hold(P.Node, 'watch');
    const l = await started({ fake });
    await waitFor(() => fake.count(P.Node, 'watch', 'held') === 1, 'node watch parked');
    const stopping = l.source.stop(); // marks every informer stopped synchronously
    release(); // now the parked watch gets its 200
    await stopping; // waits for connecting watches too
    expect(l.logs.some((x) => x.msg.includes('after the stop timeout'))).toBe(false);
    await waitFor(() => fake.openWatches() === 0, 'no open watches after the parked watch was answered');
    await sleep(50);
    expect(fake.openWatches()).toBe(0);
  });

  it('during client-node reconnect delay: no watch is opened when the delay would have ended', async () => {
    const l = await synced({ options: { watchReconnectDelayScale: 0.3 } }); // 1 s → 300 ms
    const path = P.CSINode;
    // two event-less closes put ListWatch into its reconnect delay
    for (let i = 0; i < 2; i++) {
      const before = l.fake.count(path, 'watch');
      await waitFor(() => l.fake.openWatches(path) === 1, 'open');
      l.fake.closeWatches(path);
      if (i === 0) await waitFor(() => l.fake.count(path, 'watch') > before, 'first re-watch');
    }
    // the client has seen the second close: ListWatch is now in its (scaled) 1 s delay
    await waitFor(() => l.source.status().CSINode.openWatches === 0, 'client saw the close');
    const watches = l.fake.count(path, 'watch');
    await l.source.stop();
    await sleep(400);
    expect(l.fake.count(path, 'watch')).toBe(watches);
    expect(l.fake.openWatches()).toBe(0);
  });

  it('during supervisor backoff: stop() returns promptly and no restart happens', async () => {
    const fake = await FakeApiServer.start();
    fake.fail(P.PersistentVolume, 503, { mode: 'list', times: Infinity });
    const l = await started({ fake, options: { backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 } } });
    await waitFor(() => l.source.status().PersistentVolume.state === 'down', 'PV down');
    const t0 = performance.now();
    await l.source.stop();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(fake.count(P.PersistentVolume, 'list')).toBe(1);
  });
});
