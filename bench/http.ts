/**
 * HTTP benchmark: the real extender as a separate process, loaded from a synthetic JSON snapshot,
 * hammered on loopback with autocannon (in this process) at POST /scheduler/filter with a real
 * pending pod and every node name (nodeCacheCapable: true → NodeNames). Each size runs at every
 * `--connections` count against the same server: 1 connection is how kube-scheduler calls an
 * extender (one pod at a time), 4 shows throughput and queueing on the single-threaded server.
 *
 *   npx tsx bench/http.ts [--sizes 500,5000] [--duration 20] [--connections 1,4] [--warmup 3]
 *                         [--pods 50] [--seed N] [--pvcs N] [--no-build] [--out http.json]
 *                         (--pvcs: snapshot with N PVCs, 80% of the PVs claimed: see fixtures.ts)
 *                         [--server-cpu-prof]   (server under node --cpu-prof → bench/results/server-<N>n.cpuprofile;
 *                                                the profiler skews the numbers: use a separate --out)
 *                         [--server-node-options="<flags>"]  (the server's NODE_OPTIONS; default: the value
 *                                                in deploy/deployment.yaml, i.e. the heap settings we deploy with)
 *
 * Builds dist first (npm run build) when dist/bin.js is missing or older than any src file.
 * Every server is stopped with SIGTERM, then SIGKILL after 10 s; a global deadline bounds the run.
 * Latency percentiles come from our own per-response timings (autocannon's response event,
 * sub-millisecond); autocannon's own histogram (1 ms resolution) is kept alongside.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Pod } from '../src/engine/types.js';
import { claimCount, generateCluster, LOCAL_CLASS, writeSnapshot } from './fixtures.js';
import {
  codeVersion,
  flags,
  fmt,
  loadInfo,
  type LoadInfo,
  machine,
  nodeOptionsFlag,
  numFlag,
  processRssMB,
  REPO_DIR,
  RESULTS_DIR,
  round,
  type Stats,
  stats,
  writeResult,
} from './lib.js';

const DIST_BIN = join(REPO_DIR, 'dist', 'bin.js');
const STOP_GRACE_MS = 10_000;
const READY_TIMEOUT_MS = 180_000;

export interface HttpSizeResult {
  readonly nodes: number;
  readonly pvs: number;
  /** PVCs in the snapshot (absent in results from before it was recorded). */
  readonly pvcs?: number;
  readonly pod: string;
  readonly podClaims: number;
  readonly bodyBytes: number;
  readonly snapshotBytes: number;
  /** spawn → first 200 from /readyz (includes reading and indexing the snapshot). */
  readonly startupMs: number;
  readonly check: { readonly status: number; readonly passed: number; readonly failed: number; readonly ms: number };
  readonly durationS: number;
  readonly connections: number;
  readonly requests: number;
  readonly requestsPerSec: number;
  /** Our own timings of every response (ms). */
  readonly latency: Stats;
  /** autocannon's histogram (integer ms). */
  readonly autocannonLatency: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly rss: { readonly afterLoadMB: number | undefined; readonly peakMB: number | undefined; readonly afterRunMB: number | undefined };
  readonly load: { readonly before: LoadInfo; readonly after: LoadInfo };
}

const running = new Set<ChildProcess>();

function log(msg: string): void {
  process.stderr.write(`[http] ${msg}\n`);
}

function killAll(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist when stale. tsc emits despite type errors (files mid-edit elsewhere): reported, not fatal. */
function ensureBuilt(skip: boolean): string {
  const stale = !existsSync(DIST_BIN) || statSync(DIST_BIN).mtimeMs < newestMtime(join(REPO_DIR, 'src'));
  if (!stale) return 'up to date';
  if (skip) {
    if (!existsSync(DIST_BIN)) throw new Error('dist/bin.js is missing and --no-build was given; run npm run build');
    log('dist is older than src (--no-build: using it anyway)');
    return 'stale (--no-build)';
  }
  log('dist is missing or stale: npm run build');
  const before = existsSync(DIST_BIN) ? statSync(DIST_BIN).mtimeMs : 0;
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO_DIR, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (r.status === 0) return 'built';
  if (existsSync(DIST_BIN) && statSync(DIST_BIN).mtimeMs > before) {
    log('npm run build reported errors but emitted dist: continuing (the server must still become ready)');
    return 'built with tsc errors';
  }
  throw new Error(`npm run build failed (status ${r.status ?? 'none'})`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

const sleep = (ms: number): Promise<void> =>
  new Promise((r) => {
    setTimeout(r, ms);
  });

interface Server {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
}

function startServer(snapshot: string, port: number, cpuProfName: string | undefined, nodeOptions: string): Server {
  const prof = cpuProfName ? ['--cpu-prof', '--cpu-prof-dir', RESULTS_DIR, '--cpu-prof-name', cpuProfName, '--cpu-prof-interval', '200'] : [];
  const child = spawn(process.execPath, [...prof, DIST_BIN, 'serve', '--snapshot', snapshot, '--port', String(port), '--host', '127.0.0.1', '--log-level', 'warn'], {
    cwd: REPO_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KUBECONFIG: '', NODE_ENV: 'production', NODE_OPTIONS: nodeOptions },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  const keep = (b: Buffer): void => {
    out = (out + b.toString('utf8')).slice(-16_384);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  if (child.pid === undefined) throw new Error('could not spawn the extender');
  return { child, pid: child.pid, output: () => out };
}

async function waitReady(srv: Server, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (srv.child.exitCode !== null || srv.child.signalCode !== null) {
      throw new Error(`extender exited (${srv.child.exitCode ?? srv.child.signalCode ?? '?'}) before ready:\n${srv.output()}`);
    }
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`extender not ready after ${READY_TIMEOUT_MS} ms:\n${srv.output()}`);
}

async function stopServer(srv: Server): Promise<void> {
  const c = srv.child;
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => {
    c.once('exit', () => {
      r();
    });
  });
  c.kill('SIGTERM');
  const timer = sleep(STOP_GRACE_MS).then(() => 'timeout' as const);
  if ((await Promise.race([exited.then(() => 'exited' as const), timer])) === 'timeout') {
    log(`server ${srv.pid} ignored SIGTERM for ${STOP_GRACE_MS} ms: SIGKILL`);
    c.kill('SIGKILL');
    await Promise.race([exited, sleep(5000)]);
  }
}

interface Cannon {
  result: autocannon.Result;
  latencies: number[];
}

function cannon(url: string, body: string, durationS: number, connections: number, onTick?: () => void): Promise<Cannon> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections,
        pipelining: 1,
        duration: durationS,
        timeout: 30,
      },
      (err: unknown, result) => {
        if (err) reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        else resolve({ result, latencies });
      },
    );
    inst.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
    if (onTick) inst.on('tick', onTick);
  });
}

function pickPod(pods: readonly Pod[]): Pod {
  // A representative pod: two claims (static matching runs twice per node).
  return pods.find((p) => claimCount(p) === 2) ?? pods[0]!;
}

interface RunOptions {
  readonly durationS: number;
  /** Connection counts to run in turn against the same server (1 = the scheduler's serial calls). */
  readonly connections: readonly number[];
  readonly warmupS: number;
  readonly pods: number;
  readonly seed: number;
  /** Total PVCs in the snapshot (0: fixture default); see fixtures.ts. */
  readonly pvcs: number;
  /** Run the server under `node --cpu-prof` (writes bench/results/server-<N>n.cpuprofile on exit). */
  readonly serverCpuProf: boolean;
  /** NODE_OPTIONS for the server process. */
  readonly serverNodeOptions: string;
}

/** One server per size; one autocannon run per connection count (rows share startup/check). */
async function runSize(nodes: number, o: RunOptions): Promise<HttpSizeResult[]> {
  const fx = generateCluster({ nodes, pods: o.pods, seed: o.seed, pvcs: o.pvcs });
  // Prefer a pod whose claims are all of the local (static) class.
  const pvcClass = new Map<string, string>();
  for (const obj of fx.objects) {
    if (obj.kind === 'PersistentVolumeClaim') pvcClass.set(obj.metadata?.name ?? '', (obj as { spec?: { storageClassName?: string } }).spec?.storageClassName ?? '');
  }
  const allLocal = fx.pendingPods.filter((p) => (p.spec?.volumes ?? []).every((v) => pvcClass.get(v.persistentVolumeClaim?.claimName ?? '') === LOCAL_CLASS));
  const pod = pickPod(allLocal.length > 0 ? allLocal : fx.pendingPods);
  const body = JSON.stringify({ Pod: pod, NodeNames: fx.nodeNames });
  const snap = writeSnapshot(fx);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/scheduler/filter`;
  log(`${nodes} nodes: snapshot ${(snap.bytes / 1e6).toFixed(1)} MB, body ${(body.length / 1e3).toFixed(0)} kB, port ${port}`);

  const t0 = performance.now();
  const srv = startServer(snap.path, port, o.serverCpuProf ? `server-${nodes}n.cpuprofile` : undefined, o.serverNodeOptions);
  try {
    await waitReady(srv, port);
    const startupMs = performance.now() - t0;
    const tc = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    const checkMs = performance.now() - tc;
    if (res.status !== 200) throw new Error(`filter check: HTTP ${res.status}: ${text.slice(0, 500)}`);
    const parsed = JSON.parse(text) as { NodeNames?: string[] | null; FailedNodes?: Record<string, string> | null; FailedAndUnresolvableNodes?: Record<string, string> | null; Error?: string };
    if (parsed.Error) throw new Error(`filter check: Error ${parsed.Error}`);
    const passed = parsed.NodeNames?.length ?? 0;
    const failed = Object.keys(parsed.FailedNodes ?? {}).length + Object.keys(parsed.FailedAndUnresolvableNodes ?? {}).length;
    if (passed + failed !== nodes) throw new Error(`filter check: ${passed} passed + ${failed} failed ≠ ${nodes} nodes`);
    log(`${nodes} nodes: ready in ${fmt(startupMs, 0)} ms; check: ${passed} pass, ${failed} fail (${fmt(checkMs, 1)} ms)`);

    const afterLoadMB = processRssMB(srv.pid);
    const rows: HttpSizeResult[] = [];
    for (const conns of o.connections) {
      const before = loadInfo();
      if (o.warmupS > 0) await cannon(url, body, o.warmupS, conns);
      let peak = processRssMB(srv.pid) ?? 0;
      const main = await cannon(url, body, o.durationS, conns, () => {
        peak = Math.max(peak, processRssMB(srv.pid) ?? 0);
      });
      const afterRunMB = processRssMB(srv.pid);
      const r = main.result;
      const lat = stats(main.latencies);
      log(`${nodes} nodes, ${conns} conn: ${fmt(r.requests.total / r.duration, 1)} req/s, p50 ${fmt(lat.p50)} ms, p99 ${fmt(lat.p99)} ms, non2xx ${r.non2xx}, errors ${r.errors}`);
      rows.push({
        nodes,
        pvs: fx.counts.PersistentVolume ?? 0,
        pvcs: fx.counts.PersistentVolumeClaim ?? 0,
        pod: `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`,
        podClaims: claimCount(pod),
        bodyBytes: Buffer.byteLength(body),
        snapshotBytes: snap.bytes,
        startupMs: round(startupMs, 0),
        check: { status: res.status, passed, failed, ms: round(checkMs, 2) },
        durationS: r.duration,
        connections: r.connections,
        requests: r.requests.total,
        requestsPerSec: round(r.requests.total / r.duration, 1),
        latency: lat,
        autocannonLatency: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: round(r.latency.mean, 3) },
        errors: r.errors,
        timeouts: r.timeouts,
        non2xx: r.non2xx,
        rss: { afterLoadMB, peakMB: peak || undefined, afterRunMB },
        load: { before, after: loadInfo() },
      });
    }
    return rows;
  } finally {
    await stopServer(srv);
    rmSync(snap.dir, { recursive: true, force: true });
  }
}

function markdown(results: readonly HttpSizeResult[]): string {
  const lines = [
    '| nodes | PVs | conns | duration s | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | non-2xx | server RSS after load MB | peak RSS MB | startup ms |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.nodes} | ${r.pvs} | ${r.connections} | ${r.durationS} | ${fmt(r.requestsPerSec, 1)} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p90)} | ${fmt(r.latency.p99)} | ${fmt(r.latency.max)} | ` +
        `${r.errors} | ${r.non2xx} | ${r.rss.afterLoadMB ?? '–'} | ${r.rss.peakMB ?? '–'} | ${fmt(r.startupMs, 0)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const f = flags();
  const sizes = (f.get('sizes') ?? '500,5000').split(',').map((s) => Number(s.trim()));
  const o: RunOptions = {
    serverCpuProf: f.get('server-cpu-prof') === 'true',
    serverNodeOptions: nodeOptionsFlag(f, 'server-node-options'),
    durationS: numFlag(f, 'duration', 20),
    connections: (f.get('connections') ?? '1,4').split(',').map((c) => {
      const n = Number(c.trim());
      if (!Number.isInteger(n) || n < 1) throw new Error(`--connections: bad count "${c}"`);
      return n;
    }),
    warmupS: numFlag(f, 'warmup', 3),
    pods: numFlag(f, 'pods', 50),
    seed: numFlag(f, 'seed', 20240601),
    pvcs: numFlag(f, 'pvcs', 0),
  };
  // Global deadline: startup + warmup + run + stop per size, with generous slack. Never hang.
  const budgetMs = sizes.length * (READY_TIMEOUT_MS + o.connections.length * (o.warmupS + o.durationS + 30) * 1000 + STOP_GRACE_MS + 60_000);
  const deadline = setTimeout(() => {
    log(`global deadline of ${Math.round(budgetMs / 1000)} s exceeded: killing servers`);
    killAll();
    process.exit(2);
  }, budgetMs);
  deadline.unref();

  const loadAtStart = loadInfo(); // before a dist build adds to it
  const build = ensureBuilt(f.get('no-build') === 'true');
  const startedAt = new Date().toISOString();
  const code = codeVersion();
  const results: HttpSizeResult[] = [];
  for (const n of sizes) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`--sizes: bad size ${n}`);
    results.push(...(await runSize(n, o)));
  }
  const out = {
    schema: 1,
    kind: 'http',
    startedAt,
    finishedAt: new Date().toISOString(),
    // Shell-quote arguments with spaces (e.g. --server-node-options=...) so the command can be re-run.
    command: `npx tsx bench/http.ts ${process.argv
      .slice(2)
      .map((a) => (/[\s'"]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a))
      .join(' ')}`.trim(),
    build,
    serverCommand: `NODE_OPTIONS='${o.serverNodeOptions}' node dist/bin.js serve --snapshot <tmp>/cluster-<N>n.json --port <free port> --host 127.0.0.1 --log-level warn`,
    code,
    machine: machine(),
    load: { atStart: loadAtStart, atEnd: loadInfo() },
    config: o,
    sizes: results,
  };
  const written = writeResult(f.get('out') ?? 'http.json', out);
  process.stdout.write(`\n${markdown(results)}\nload average at start ${loadAtStart.loadavg1}, at end ${out.load.atEnd.loadavg1}\nwrote ${written}\n`);
  clearTimeout(deadline);
}

main().catch((e: unknown) => {
  process.stderr.write(`http bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  killAll();
  process.exit(1);
});
