/**
 * Characterisation of bare @kubernetes/client-node 2.0.1 ListWatch + Watch (no supervisor, no
 * HookedWatch) against the fake API server. These pin down which behaviours the library provides
 * itself and which gaps src/live/informers.ts fills; if an upgrade changes one, a test here fails
 * and the corresponding workaround can be revisited.
 */
import { ERROR, type KubernetesListObject, type KubernetesObject, ListWatch, V1ListMeta, Watch } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listAll } from '../../src/live/informer-list.js';
import { RESOURCE_PATHS } from '../../src/live/informers.js';
import { FakeApiServer } from './fake-apiserver.js';
import { kcFor, objects, waitFor } from './helpers.js';

const PATH = RESOURCE_PATHS.PersistentVolume;
let fake: FakeApiServer;
let lw: ListWatch<KubernetesObject> | undefined;

beforeEach(async () => {
  fake = await FakeApiServer.start();
  fake.setObjects(PATH, [objects.pv('pv1'), objects.pv('pv2')]);
});

afterEach(async () => {
  await lw?.stop();
  lw = undefined;
  await fake.close();
});

interface Recorder {
  readonly adds: string[];
  readonly deletes: string[];
  readonly errors: unknown[];
}

/** client-node's Watch, counting the done callbacks it makes (to know the client saw a close). */
class CountingWatch extends Watch {
  dones = 0;
  override watch(...[path, query, callback, done]: Parameters<Watch['watch']>): Promise<AbortController> {
    return super.watch(path, query, callback, (err: unknown) => {
      this.dones++;
      done(err);
    });
  }
}

/** A bare ListWatch with a fast delayFn (client-node's 1 s → 10 ms). */
function bare(delayScale = 0.01): { lw: ListWatch<KubernetesObject>; rec: Recorder; watch: CountingWatch } {
  const kc = kcFor(fake);
  const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
    const r = await listAll(kc, PATH, { pageSize: 0, signal: new AbortController().signal, pageTimeoutMs: 5000, transform: (o) => o });
    const metadata = new V1ListMeta();
    metadata.resourceVersion = r.resourceVersion;
    return { metadata, items: r.items as unknown as KubernetesObject[] };
  };
  const watch = new CountingWatch(kc);
  const l = new ListWatch<KubernetesObject>(PATH, watch, listFn, false, undefined, undefined, {
    delayFn: (ms) => sleep(ms * delayScale),
  });
  const rec: Recorder = { adds: [], deletes: [], errors: [] };
  l.on('add', (o) => rec.adds.push(o.metadata?.name ?? ''));
  l.on('delete', (o) => rec.deletes.push(o.metadata?.name ?? ''));
  l.on(ERROR, (e: unknown) => rec.errors.push(e));
  lw = l;
  return { lw: l, rec, watch };
}

describe('what client-node 2.0.1 does by itself', () => {
  it('clean server close: re-watches from the last resourceVersion without listing', async () => {
    const { lw: l } = bare();
    await l.start();
    await waitFor(() => fake.openWatches(PATH) === 1, 'watch open');
    const ev = fake.emit(PATH, 'ADDED', objects.pv('pv3'));
    await waitFor(() => l.get('pv3'), 'event cached');
    fake.closeWatches(PATH);
    await waitFor(() => fake.count(PATH, 'watch') === 2 && fake.openWatches(PATH) === 1, 're-watch');
    expect(fake.requests.filter((r) => r.mode === 'watch').at(-1)?.query.get('resourceVersion')).toBe(ev.metadata.resourceVersion);
    expect(fake.count(PATH, 'list')).toBe(1);
  });

  it('a silent stream is ended by the client-side inactivity timeout (30 s, private) and re-watched at once, without an error', async () => {
    const { lw: l, rec, watch } = bare();
    // Test-only: shorten Watch's private requestTimeoutMs (30 000 in 2.0.1) to observe the path.
    const priv = watch as unknown as { requestTimeoutMs: number };
    expect(priv.requestTimeoutMs).toBe(30_000);
    priv.requestTimeoutMs = 100;
    await l.start();
    await waitFor(() => fake.count(PATH, 'watch') >= 3, 'two timeouts, two re-watches', 3000);
    const rvs = fake.requests.filter((r) => r.mode === 'watch').map((r) => r.query.get('resourceVersion'));
    expect(new Set(rvs).size).toBe(1);
    expect(fake.count(PATH, 'list')).toBe(1);
    expect(rec.errors).toEqual([]);
  });

  it('ERROR 410 in the stream: relists and emits delete for objects missing from the new list', async () => {
    const { lw: l, rec } = bare();
    await l.start();
    await waitFor(() => fake.openWatches(PATH) === 1, 'watch open');
    fake.setObjects(PATH, [objects.pv('pv2')]);
    fake.expireWatches(PATH);
    await waitFor(() => rec.deletes.includes('pv1'), 'delete emitted by the relist');
    expect(fake.count(PATH, 'list')).toBe(2);
    expect(rec.errors).toEqual([]);
  });

  it('HTTP 410 on the watch request: relists', async () => {
    const { lw: l, rec } = bare();
    await l.start();
    await waitFor(() => fake.openWatches(PATH) === 1, 'watch open');
    fake.fail(PATH, 410, { mode: 'watch' });
    fake.closeWatches(PATH);
    await waitFor(() => fake.count(PATH, 'list') === 2 && fake.openWatches(PATH) === 1, 'relist + watch');
    expect(rec.errors).toEqual([]);
  });
});

describe('what it leaves to us (handled by the supervisor / HookedWatch)', () => {
  it('a failed list emits error once and never retries', async () => {
    fake.fail(PATH, 500, { mode: 'list' });
    const { lw: l, rec } = bare();
    await l.start(); // resolves although the list failed
    expect(rec.errors).toHaveLength(1);
    expect((rec.errors[0] as { code?: number }).code).toBe(500);
    await sleep(100);
    expect(fake.count(PATH, 'list')).toBe(1);
    expect(fake.count(PATH, 'watch')).toBe(0);
  });

  it('a non-410 HTTP error on the watch emits error (statusCode) and never retries', async () => {
    const { lw: l, rec } = bare();
    await l.start();
    await waitFor(() => fake.openWatches(PATH) === 1, 'watch open');
    fake.fail(PATH, 403, { mode: 'watch' });
    fake.closeWatches(PATH);
    await waitFor(() => rec.errors.length === 1, 'error emitted');
    expect((rec.errors[0] as { statusCode?: number }).statusCode).toBe(403);
    await sleep(100);
    expect(fake.count(PATH, 'watch')).toBe(2);
    expect(fake.openWatches(PATH)).toBe(0);
  });

  it('stop() makes it emit an AbortError through the error callback', async () => {
    const { lw: l, rec } = bare();
    await l.start();
    await waitFor(() => fake.openWatches(PATH) === 1, 'watch open');
    await l.stop();
    await waitFor(() => rec.errors.length === 1, 'error after stop');
    expect((rec.errors[0] as Error).name).toBe('AbortError');
    await waitFor(() => fake.openWatches(PATH) === 0, 'closed');
  });

  it('stop() during the reconnect delay does not prevent the next watch', async () => {
    const { lw: l, watch } = bare(0.3); // 1 s → 300 ms
    await l.start();
    await waitFor(() => fake.openWatches(PATH) === 1, 'watch open');
    fake.closeWatches(PATH); // no delay (first reconnect)
    await waitFor(() => fake.count(PATH, 'watch') === 2 && fake.openWatches(PATH) === 1, 'second watch');
    fake.closeWatches(PATH); // now ListWatch sleeps 300 ms before re-watching
    await waitFor(() => watch.dones === 2, 'client saw the second close');
    await l.stop();
    expect(fake.count(PATH, 'watch')).toBe(2);
    await waitFor(() => fake.openWatches(PATH) === 1, 'a watch opened after stop()', 2000);
    expect(fake.count(PATH, 'watch')).toBe(3);
  });

  it('stop() while the watch request is connecting leaves that watch open', async () => {
    const release = fake.hold(PATH, 'watch');
    const { lw: l } = bare();
    const started = l.start();
    await waitFor(() => fake.count(PATH, 'watch', 'held') === 1, 'watch parked');
    await l.stop();
    release();
    await started;
    await sleep(50);
    expect(fake.openWatches(PATH)).toBe(1);
  });
});
