/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node models are classes, we pass plain objects (as in src/live and test/e2e; see eslint.config.js) */
/**
 * Scheduler throughput, in-tree VolumeBinding vs our extender, side by side on one real control
 * plane (etcd + kube-apiserver + kube-controller-manager from test/e2e/controlplane/build.sh,
 * started once through the e2e harness).
 *
 *   npx tsx bench/scheduler/run.ts [--sizes 100,500] [--workloads static,dynamic] [--repeats 1]
 *       [--pods N[,N…]]       measured pods per run, per size (default min(1000, 4 × nodes))
 *       [--pvs-per-node 10]   static workload
 *       [--concurrency 16]    parallel API requests when creating objects
 *       [--warmup-pods 10]    pods scheduled (and waited for, up to --run-timeout) before the measured ones
 *       [--run-timeout 300[,…]] seconds to wait for all pods of one run to be bound, per size
 *       [--max-minutes 45]    hard deadline for the whole command (kills everything, exit 2)
 *       [--configs in-tree,extender] [--seed N] [--extender-cpu-prof] [--out scheduler.json]
 *
 * For every size: create the nodes; for every workload: create its StorageClass (+ CSIDriver and
 * CSIStorageCapacities); then for every repeat run both configurations, alternating which goes
 * first (in-tree,extender then extender,in-tree, …: ABBA with --repeats 2):
 *   (a) in-tree:  stock kube-scheduler (VolumeBinding enabled, no extender);
 *   (b) extender: deploy/scheduler-config.yaml (VolumeBinding disabled + our extender, bind verb),
 *                 extender = `node dist/bin.js serve --kubeconfig <SA kubeconfig>` running as its
 *                 ServiceAccount kube-system/volume-topology-extender with deploy/rbac.yaml.
 * Both: percentageOfNodesToScore 100, clientConnection qps 500 / burst 1000, -v=1, leader
 * election off. Each run: fresh kube-scheduler (and extender) process; create the static PVs, the
 * PVCs (untimed); schedule `--warmup-pods` warm-up pods (untimed, like scheduler_perf's init pods:
 * JIT, connections and caches are warm for both configurations); then create the measured pods as
 * fast as the apiserver takes them (bounded concurrency) while
 * watching pods and PVCs; measure until every pod has spec.nodeName; scrape /metrics before and
 * after; stop the processes; delete pods (grace 0), PVCs and PVs and wait until they are gone.
 *
 * Throughput is computed the scheduler_perf way (SchedulingThroughput): pods bound per 1 s window
 * from the first pod creation, leading windows before the first bind dropped, the last partial
 * window dropped; average and percentiles of the window rates.
 *
 * Writes bench/results/<out> after every run (partial results survive a failure).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { type KubeConfig, type V1PersistentVolumeClaim, type V1Pod, Watch } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { applyExtenderRBAC, type ControlPlane, schedulerConfig, startControlPlane } from '../../test/e2e/harness/controlplane.js';
import { freePort, type Proc, startProc, waitHealthy, getStatus } from '../../test/e2e/harness/procs.js';
import { CSI_PROVISIONER, TestProvisioner } from '../../test/e2e/harness/provisioner.js';
import { codeVersion, deployedNodeOptions, flags, fmt, loadInfo, type LoadInfo, machine, numFlag, percentile, processRssMB, REPO_DIR, RESULTS_DIR, round, writeResult } from '../lib.js';
import { diffAll, type Histogram, histograms, type HistSummary, merge, scalar, summarize } from './prom.js';
import * as wl from './workloads.js';

export type SchedConfig = 'in-tree' | 'extender';
const CONFIGS: readonly SchedConfig[] = ['in-tree', 'extender'];
const DIST_BIN = join(REPO_DIR, 'dist', 'bin.js');
const NODE_BIN = join(REPO_DIR, 'node_modules', '.bin', 'node');

export interface Throughput {
  /** Pods bound per 1 s window (scheduler_perf SchedulingThroughput samples). */
  readonly windows: readonly number[];
  readonly average: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** pods / (last bind − first pod creation). */
  readonly overall: number;
}

export interface RunResult {
  readonly workload: wl.Workload;
  readonly nodes: number;
  readonly config: SchedConfig;
  readonly repeat: number;
  /** 1-based position of this run within its (size, workload) cell. */
  readonly orderInCell: number;
  readonly startedAt: string;
  readonly pods: number;
  readonly warmupPods: number;
  /** Warm-up pods bound before the measured phase, and how long that took. */
  readonly warmup?: { readonly bound: number; readonly seconds: number };
  readonly pvcs: number;
  readonly staticPVs: number;
  readonly podsBound: number;
  readonly pvcsBound: number;
  readonly complete: boolean;
  /** Creating the measured pods (s). */
  readonly createPodsS: number;
  /** First pod creation → every pod has spec.nodeName (s). */
  readonly timeToAllPodsBoundS: number | undefined;
  /** First pod creation → every PVC is Bound (s). */
  readonly timeToAllPVCsBoundS: number | undefined;
  readonly podThroughput: Throughput;
  /** The same windows over PVC phase=Bound (claims/s): what the PV controller delivered. */
  readonly pvcThroughput: Throughput;
  /** kube-scheduler histograms (delta over the run), by result / overall. */
  readonly scheduler: {
    readonly attemptByResult: Readonly<Record<string, HistSummary>>;
    readonly sli: HistSummary | undefined;
    readonly algorithm: HistSummary | undefined;
    readonly e2eSchedulingMs?: HistSummary | undefined;
  };
  readonly extender:
    | {
        /** vte_extender_request_duration_seconds per verb (delta over the run, outcome summed). */
        readonly verbs: Readonly<Record<string, HistSummary>>;
        readonly outcomes: Readonly<Record<string, number>>;
        readonly rssPeakMB: number | undefined;
        readonly rssEndMB: number | undefined;
        readonly processResidentMB: number | undefined;
        readonly heapUsedMB: number | undefined;
        readonly cpuProfile: string | undefined;
      }
    | undefined;
  /** CPU seconds used during the measured phase, per process (utime+stime from /proc). */
  readonly cpuSeconds: Readonly<Record<string, number>>;
  readonly provisioner: { readonly provisioned: number; readonly rescheduled: number; readonly errors: number } | undefined;
  readonly load: { readonly before: LoadInfo; readonly after: LoadInfo };
  readonly error?: string;
}

// ---------------------------------------------------------------------------------------------

const T0 = Date.now();
function log(msg: string): void {
  process.stderr.write(`[sched ${((Date.now() - T0) / 1000).toFixed(0).padStart(4)}s] ${msg}\n`);
}

const sleep = (ms: number): Promise<void> =>
  new Promise((r) => {
    setTimeout(r, ms);
  });

async function pool<T>(items: readonly T[], concurrency: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      for (let attempt = 1; ; attempt++) {
        try {
          await fn(item);
          break;
        } catch (e) {
          const code = (e as { code?: number }).code;
          if (code === 409) break; // already exists (a retried create that had succeeded)
          if (attempt >= 5) throw e;
          await sleep(100 * attempt);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function cpuTicks(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
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

function ensureDist(): string {
  const stale = !existsSync(DIST_BIN) || statSync(DIST_BIN).mtimeMs < newestMtime(join(REPO_DIR, 'src'));
  if (!stale) return 'up to date';
  log('dist is missing or older than src: npm run build');
  const before = existsSync(DIST_BIN) ? statSync(DIST_BIN).mtimeMs : 0;
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO_DIR, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
  if (r.status === 0) return 'built';
  if (existsSync(DIST_BIN) && statSync(DIST_BIN).mtimeMs > before) return 'built with tsc errors';
  throw new Error(`npm run build failed (status ${r.status ?? 'none'})`);
}

/**
 * scheduler_perf SchedulingThroughput over 1 s windows from `t0`. Leading windows before the first
 * event are dropped. A complete run ends with the last event (its partial window dropped when
 * others exist); an incomplete run (`endMs` = the timeout) keeps every full window up to the
 * timeout, empty ones included, so a stalled configuration is not flattered.
 */
export function throughput(t0: number, times: readonly number[], endMs?: number): Throughput {
  const sorted = [...times].sort((a, b) => a - b);
  const last = sorted[sorted.length - 1];
  if (last === undefined) return { windows: [], average: 0, p50: 0, p90: 0, p99: 0, overall: 0 };
  const end = endMs ?? last;
  const nWin = Math.max(1, Math.ceil((end - t0) / 1000));
  const counts = new Array<number>(nWin).fill(0);
  for (const t of sorted) counts[Math.min(nWin - 1, Math.max(0, Math.floor((t - t0) / 1000)))]!++;
  const firstIdx = counts.findIndex((c) => c > 0);
  let windows = counts.slice(firstIdx);
  if (windows.length > 1 && (end - t0) % 1000 !== 0) windows = windows.slice(0, -1);
  const s = [...windows].sort((a, b) => a - b);
  return {
    windows,
    average: round(windows.reduce((a, b) => a + b, 0) / windows.length, 2),
    p50: percentile(s, 0.5),
    p90: percentile(s, 0.9),
    p99: percentile(s, 0.99),
    overall: round(sorted.length / Math.max(0.001, (end - t0) / 1000), 2),
  };
}

// ---------------------------------------------------------------------------------------------

interface Options {
  readonly sizes: readonly number[];
  readonly workloads: readonly wl.Workload[];
  readonly configs: readonly SchedConfig[];
  readonly repeats: number;
  /** Measured pods per size (same order as sizes; the last value repeats), or the default. */
  readonly pods: readonly number[] | undefined;
  readonly warmupPods: number;
  readonly pvsPerNode: number;
  readonly concurrency: number;
  /** Per size (same order as sizes; the last value repeats). */
  readonly runTimeoutS: readonly number[];
  readonly maxMinutes: number;
  readonly seed: number;
  readonly extenderCpuProf: boolean;
  readonly out: string;
}

interface Bench {
  readonly cp: ControlPlane;
  readonly logs: string;
  readonly extenderKubeconfig: string;
  readonly o: Options;
}

function perSize(values: readonly number[], o: Options, nodes: number): number {
  return values[Math.min(o.sizes.indexOf(nodes), values.length - 1)]!;
}

function podsFor(o: Options, nodes: number): number {
  if (!o.pods) return Math.min(1000, 4 * nodes);
  const i = o.sizes.indexOf(nodes);
  return o.pods[Math.min(i, o.pods.length - 1)]!;
}

async function startScheduler(b: Bench, config: SchedConfig, extenderUrl: string | undefined, tag: string): Promise<{ proc: Proc; metricsUrl: string }> {
  const port = await freePort();
  let cfg: Record<string, unknown>;
  if (config === 'extender') {
    if (!extenderUrl) throw new Error('extender config without extender URL');
    cfg = schedulerConfig(b.cp.adminKubeconfig, extenderUrl); // deploy/scheduler-config.yaml as deployed
  } else {
    // Stock: the same file with its only two changes undone (VolumeBinding back on, no extender).
    cfg = schedulerConfig(b.cp.adminKubeconfig, undefined);
    cfg.profiles = [{ schedulerName: 'default-scheduler' }];
    delete cfg.extenders;
  }
  if (cfg.percentageOfNodesToScore !== 100) throw new Error('percentageOfNodesToScore must be 100 in both configurations');
  const file = join(b.cp.dir, `scheduler-${tag}.yaml`);
  writeFileSync(file, stringify(cfg));
  const proc = startProc(`kube-scheduler-${tag}`, join(b.cp.binDir, 'kube-scheduler'), [
    `--config=${file}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
    '-v=1',
  ], b.logs);
  await waitHealthy(proc, `https://127.0.0.1:${port}/healthz`, 60_000);
  return { proc, metricsUrl: `https://127.0.0.1:${port}/metrics` };
}

async function startExtender(b: Bench, tag: string): Promise<{ proc: Proc; url: string; profile: string | undefined }> {
  const port = await freePort();
  const profile = b.o.extenderCpuProf ? `sched-extender-${tag}.cpuprofile` : undefined;
  const prof = profile ? ['--cpu-prof', '--cpu-prof-dir', RESULTS_DIR, '--cpu-prof-name', profile, '--cpu-prof-interval', '500'] : [];
  const proc = startProc(`extender-${tag}`, NODE_BIN, [
    ...prof,
    DIST_BIN,
    'serve',
    `--kubeconfig=${b.extenderKubeconfig}`,
    `--port=${port}`,
    '--host=127.0.0.1',
    '--log-level=warn',
  ], b.logs, { ...process.env, KUBECONFIG: '', NODE_ENV: 'production', NODE_OPTIONS: deployedNodeOptions() });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(proc, `${url}/readyz`, 120_000);
  return { proc, url, profile: profile ? join('bench/results', profile) : undefined };
}

async function scrape(url: string): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      const r = await getStatus(url);
      if (r.code === 200) return r.body;
      throw new Error(`HTTP ${r.code}`);
    } catch (e) {
      if (i >= 4) throw e;
      await sleep(300);
    }
  }
}

/** Watches a namespaced collection; records the first time `done(obj)` holds per object name. */
class FirstSeen<T extends { metadata?: { name?: string } }> {
  readonly times = new Map<string, number>();
  #abort: AbortController | undefined;
  #stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly path: string,
    private readonly done: (o: T) => boolean,
  ) {}

  async start(): Promise<void> {
    const onEvent = (_phase: string, obj: T): void => {
      const name = obj.metadata?.name;
      if (name && !this.times.has(name) && this.done(obj)) this.times.set(name, Date.now());
    };
    const again = (): void => {
      if (this.#stopped) return;
      setTimeout(() => {
        this.start().catch((e: unknown) => {
          log(`watch ${this.path} restart failed: ${e instanceof Error ? e.message : String(e)}`);
        });
      }, 200);
    };
    this.#abort = await new Watch(this.kc).watch(this.path, { allowWatchBookmarks: false }, onEvent, again);
  }

  /** Fallback for anything a watch gap missed: a list (records now for newly done objects). */
  record(items: readonly T[]): void {
    const now = Date.now();
    for (const o of items) {
      const name = o.metadata?.name;
      if (name && !this.times.has(name) && this.done(o)) this.times.set(name, now);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#abort?.abort();
  }
}

async function deleteAndWait(b: Bench, namespaces: readonly string[]): Promise<void> {
  const { core } = b.cp;
  const t = Date.now();
  for (const ns of namespaces) {
    await core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 });
    await core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace: ns });
  }
  // Every PV in this cluster belongs to the bench (static ones and the provisioner's).
  for (let i = 0; ; i++) {
    const pods = await core.listPodForAllNamespaces({ limit: 1 });
    const pvcs = await core.listPersistentVolumeClaimForAllNamespaces({ limit: 1 });
    if (pods.items.length === 0 && pvcs.items.length === 0) break;
    if (i > 600) throw new Error(`cleanup of ${namespaces.join(', ')}: pods/PVCs still present after 120 s`);
    await sleep(200);
  }
  await core.deleteCollectionPersistentVolume({});
  for (let i = 0; ; i++) {
    const pvs = await core.listPersistentVolume({ limit: 1 });
    if (pvs.items.length === 0) break;
    if (i > 600) throw new Error('cleanup: PVs still present after 120 s');
    if (i % 25 === 24) await core.deleteCollectionPersistentVolume({});
    await sleep(200);
  }
  log(`  cleanup of ${namespaces.join(', ')} done in ${fmt((Date.now() - t) / 1000, 1)} s`);
}

interface ProcRef {
  readonly name: string;
  readonly pid: number | undefined;
}

async function runOne(b: Bench, workload: wl.Workload, nodes: number, config: SchedConfig, repeat: number, orderInCell: number): Promise<RunResult> {
  const { cp, o } = b;
  const tag = `${workload}-${nodes}n-${config}-r${repeat}`;
  const ns = `bench-${tag}`;
  const podCount = podsFor(o, nodes);
  const runTimeoutS = perSize(o.runTimeoutS, o, nodes);
  const set = wl.podSet(workload, ns, podCount, o.seed + nodes);
  const warmNs = `${ns}-w`;
  const warm = wl.podSet(workload, warmNs, o.warmupPods, o.seed + nodes + 1);
  const startedAt = new Date().toISOString();
  const loadBefore = loadInfo();
  log(`run ${tag}: ${podCount} pods, ${set.pvcs.length} PVCs (load ${loadBefore.loadavg1})`);

  await cp.core.createNamespace({ body: { metadata: { name: ns } } });
  await cp.core.createNamespace({ body: { metadata: { name: warmNs } } });
  let staticPVs = 0;
  if (workload === 'static') {
    const pvs = wl.staticPVs(nodes, o.pvsPerNode, o.seed + nodes);
    const t = Date.now();
    await pool(pvs, o.concurrency, (pv) => cp.core.createPersistentVolume({ body: pv }));
    staticPVs = pvs.length;
    log(`  ${pvs.length} PVs created in ${fmt((Date.now() - t) / 1000, 1)} s`);
  }
  const t = Date.now();
  await pool(set.pvcs, o.concurrency, (c) => cp.core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: c }));
  await pool(warm.pvcs, o.concurrency, (c) => cp.core.createNamespacedPersistentVolumeClaim({ namespace: warmNs, body: c }));
  log(`  ${set.pvcs.length} + ${warm.pvcs.length} warm-up PVCs created in ${fmt((Date.now() - t) / 1000, 1)} s`);

  let provisioner: TestProvisioner | undefined;
  let ext: Awaited<ReturnType<typeof startExtender>> | undefined;
  let sched: Awaited<ReturnType<typeof startScheduler>> | undefined;
  const podWatch = new FirstSeen<V1Pod>(cp.kc, `/api/v1/namespaces/${ns}/pods`, (p) => !!p.spec?.nodeName);
  const pvcWatch = new FirstSeen<V1PersistentVolumeClaim>(cp.kc, `/api/v1/namespaces/${ns}/persistentvolumeclaims`, (c) => c.status?.phase === 'Bound');
  let error: string | undefined;
  let warmBound = 0;
  let warmS = 0;
  try {
    if (workload === 'dynamic') {
      provisioner = new TestProvisioner(cp.core, cp.storage, 250, [CSI_PROVISIONER]);
      provisioner.start();
    }
    if (config === 'extender') ext = await startExtender(b, tag);
    sched = await startScheduler(b, config, ext?.url, tag);
    await sleep(1000); // let the scheduler's informers settle (the same for both configs)
    if (warm.pods.length > 0) {
      const tw = Date.now();
      await pool(warm.pods, o.concurrency, (p) => cp.core.createNamespacedPod({ namespace: warmNs, body: p }));
      for (;;) {
        const items = (await cp.core.listNamespacedPod({ namespace: warmNs })).items;
        warmBound = items.filter((p) => p.spec?.nodeName).length;
        if (warmBound === warm.pods.length) break;
        if (Date.now() - tw > runTimeoutS * 1000) {
          log(`  warm-up: only ${warmBound}/${warm.pods.length} pods bound after ${runTimeoutS} s; measuring anyway`);
          break;
        }
        await sleep(250);
      }
      warmS = (Date.now() - tw) / 1000;
      log(`  ${warmBound}/${warm.pods.length} warm-up pods bound in ${fmt(warmS, 1)} s`);
      await sleep(1000);
    }
    const procs: ProcRef[] = [
      ...['etcd', 'kube-apiserver', 'kube-controller-manager'].map((n) => ({ name: n, pid: cp.procs.get(n)?.child.pid })),
      { name: 'kube-scheduler', pid: sched.proc.child.pid },
      ...(ext ? [{ name: 'extender', pid: ext.proc.child.pid }] : []),
    ];
    const schedBefore = await scrape(sched.metricsUrl);
    const extBefore = ext ? await scrape(`${ext.url}/metrics`) : '';
    const cpuBefore = new Map(procs.map((p) => [p.name, cpuTicks(p.pid)]));
    const benchCpuBefore = process.cpuUsage();
    await podWatch.start();
    await pvcWatch.start();

    const t0 = Date.now();
    await pool(set.pods, o.concurrency, (p) => cp.core.createNamespacedPod({ namespace: ns, body: p }));
    const createPodsS = (Date.now() - t0) / 1000;
    log(`  ${podCount} pods created in ${fmt(createPodsS, 1)} s`);

    let rssPeak = ext ? processRssMB(ext.proc.child.pid!) : undefined;
    const deadline = t0 + runTimeoutS * 1000;
    let lastLog = Date.now();
    let lastList = Date.now();
    while (Date.now() < deadline && (podWatch.times.size < podCount || pvcWatch.times.size < set.pvcs.length)) {
      await sleep(250);
      if (ext) rssPeak = Math.max(rssPeak ?? 0, processRssMB(ext.proc.child.pid!) ?? 0);
      if (Date.now() - lastList > 10_000) {
        lastList = Date.now();
        podWatch.record((await cp.core.listNamespacedPod({ namespace: ns })).items);
        pvcWatch.record((await cp.core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items);
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`  ${fmt((Date.now() - t0) / 1000, 0)} s: ${podWatch.times.size}/${podCount} pods bound, ${pvcWatch.times.size}/${set.pvcs.length} PVCs Bound (load ${loadInfo().loadavg1})`);
      }
    }
    podWatch.record((await cp.core.listNamespacedPod({ namespace: ns })).items);
    pvcWatch.record((await cp.core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items);
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const cpuSeconds: Record<string, number> = {};
    for (const p of procs) {
      const a = cpuTicks(p.pid);
      const bt = cpuBefore.get(p.name);
      if (a !== undefined && bt !== undefined) cpuSeconds[p.name] = round((a - bt) / 100, 2);
    }
    cpuSeconds['bench (watch, create, provisioner)'] = round((benchCpu.user + benchCpu.system) / 1e6, 2);
    const schedAfter = await scrape(sched.metricsUrl);
    const extAfter = ext ? await scrape(`${ext.url}/metrics`) : '';
    const podTimes = [...podWatch.times.values()];
    const pvcTimes = [...pvcWatch.times.values()];
    const complete = podTimes.length === podCount && pvcTimes.length === set.pvcs.length;
    if (!complete) error = `timed out after ${runTimeoutS} s: ${podTimes.length}/${podCount} pods bound, ${pvcTimes.length}/${set.pvcs.length} PVCs Bound`;

    const attempt = diffAll(histograms(schedAfter, 'scheduler_scheduling_attempt_duration_seconds', 'result'), histograms(schedBefore, 'scheduler_scheduling_attempt_duration_seconds', 'result'));
    const attemptByResult: Record<string, HistSummary> = {};
    for (const [k, h] of attempt) {
      const s = summarize(h);
      if (s) attemptByResult[k] = s;
    }
    const all = (name: string): Histogram | undefined => merge(diffAll(histograms(schedAfter, name), histograms(schedBefore, name)).values());
    let extender: RunResult['extender'];
    if (ext) {
      const verbs: Record<string, HistSummary> = {};
      for (const [verb, h] of diffAll(histograms(extAfter, 'vte_extender_request_duration_seconds', 'verb'), histograms(extBefore, 'vte_extender_request_duration_seconds', 'verb'))) {
        const s = summarize(h);
        if (s) verbs[verb] = s;
      }
      const outcomes: Record<string, number> = {};
      for (const [oc, h] of diffAll(histograms(extAfter, 'vte_extender_request_duration_seconds', 'outcome'), histograms(extBefore, 'vte_extender_request_duration_seconds', 'outcome'))) outcomes[oc] = h.count;
      const resident = scalar(extAfter, 'process_resident_memory_bytes');
      const heap = scalar(extAfter, 'nodejs_heap_size_used_bytes');
      extender = {
        verbs,
        outcomes,
        rssPeakMB: rssPeak,
        rssEndMB: processRssMB(ext.proc.child.pid!),
        processResidentMB: resident === undefined ? undefined : round(resident / 1048576, 1),
        heapUsedMB: heap === undefined ? undefined : round(heap / 1048576, 1),
        cpuProfile: ext.profile,
      };
    }
    const end = complete ? undefined : Date.now();
    const pt = throughput(t0, podTimes, podTimes.length === podCount ? undefined : end);
    const ct = throughput(t0, pvcTimes, pvcTimes.length === set.pvcs.length ? undefined : end);
    const maxT = (xs: readonly number[], n: number): number | undefined => (xs.length === n && n > 0 ? round((Math.max(...xs) - t0) / 1000, 2) : undefined);
    const result: RunResult = {
      workload,
      nodes,
      config,
      repeat,
      orderInCell,
      startedAt,
      pods: podCount,
      warmupPods: warm.pods.length,
      warmup: { bound: warmBound, seconds: round(warmS, 1) },
      pvcs: set.pvcs.length,
      staticPVs,
      podsBound: podTimes.length,
      pvcsBound: pvcTimes.length,
      complete,
      createPodsS: round(createPodsS, 2),
      timeToAllPodsBoundS: maxT(podTimes, podCount),
      timeToAllPVCsBoundS: maxT(pvcTimes, set.pvcs.length),
      podThroughput: pt,
      pvcThroughput: ct,
      scheduler: { attemptByResult, sli: summarize(all('scheduler_pod_scheduling_sli_duration_seconds')), algorithm: summarize(all('scheduler_scheduling_algorithm_duration_seconds')) },
      extender,
      cpuSeconds,
      provisioner: provisioner ? { provisioned: provisioner.stats.provisioned, rescheduled: provisioner.stats.rescheduled, errors: provisioner.stats.errors.length } : undefined,
      load: { before: loadBefore, after: loadInfo() },
      ...(error ? { error } : {}),
    };
    log(
      `  ${tag}: ${result.podsBound}/${podCount} pods bound; pods/s avg ${fmt(pt.average, 1)} p50 ${pt.p50} (overall ${fmt(pt.overall, 1)}); all bound ${fmt(result.timeToAllPodsBoundS ?? NaN, 1)} s; ` +
        `PVCs/s avg ${fmt(ct.average, 1)}; cpu ${Object.entries(cpuSeconds).map(([k, v]) => `${k.split(' ')[0]!}=${v}`).join(' ')}`,
    );
    return result;
  } finally {
    podWatch.stop();
    pvcWatch.stop();
    await sched?.proc.stop();
    await ext?.proc.stop(30_000);
    provisioner?.stop();
    if (error) log(`  ${tag}: ${error}`);
    await deleteAndWait(b, [ns, warmNs]);
  }
}

// ---------------------------------------------------------------------------------------------

function k8sVersions(binDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const line of readFileSync(join(binDir, '.complete'), 'utf8').split('\n')) {
      const m = /^(key|k8s|etcd|go)=(.+)$/.exec(line);
      if (m) out[m[1]!] = m[2]!;
    }
  } catch {
    // no stamp
  }
  return out;
}

function parseOptions(): Options {
  const f = flags();
  const list = (name: string, dflt: string): string[] =>
    (f.get(name) ?? dflt)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const sizes = list('sizes', '100,500').map(Number);
  for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new Error(`--sizes: bad size ${s}`);
  const workloads = list('workloads', 'static,dynamic') as wl.Workload[];
  for (const w of workloads) if (!wl.WORKLOADS.includes(w)) throw new Error(`--workloads: unknown "${w}"`);
  const configs = list('configs', 'in-tree,extender') as SchedConfig[];
  for (const c of configs) if (!CONFIGS.includes(c)) throw new Error(`--configs: unknown "${c}"`);
  return {
    sizes,
    workloads,
    configs,
    repeats: numFlag(f, 'repeats', 1),
    pods: f.has('pods') ? list('pods', '').map(Number) : undefined,
    warmupPods: numFlag(f, 'warmup-pods', 10),
    pvsPerNode: numFlag(f, 'pvs-per-node', 10),
    concurrency: numFlag(f, 'concurrency', 16),
    runTimeoutS: list('run-timeout', '300').map(Number),
    maxMinutes: numFlag(f, 'max-minutes', 45),
    seed: numFlag(f, 'seed', 20240601),
    extenderCpuProf: f.get('extender-cpu-prof') === 'true',
    out: f.get('out') ?? 'scheduler.json',
  };
}

async function main(): Promise<void> {
  const o = parseOptions();
  const command = `npx tsx bench/scheduler/run.ts ${process.argv.slice(2).join(' ')}`.trim();
  const deadline = setTimeout(() => {
    log(`hard deadline of ${o.maxMinutes} min exceeded: killing every process and exiting`);
    process.exit(2); // the harness SIGKILLs its children on exit
  }, o.maxMinutes * 60_000);
  deadline.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      log(`${sig}: killing every process`);
      process.exit(130);
    });
  }

  const loadAtStart = loadInfo();
  const build = ensureDist();
  mkdirSync(RESULTS_DIR, { recursive: true });
  log('starting etcd + kube-apiserver + kube-controller-manager');
  const tcp = Date.now();
  const cp = await startControlPlane({ components: ['controller-manager'] });
  log(`control plane up in ${fmt((Date.now() - tcp) / 1000, 1)} s (${cp.dir})`);
  const startedAt = new Date().toISOString();
  const results: RunResult[] = [];
  const versions = { ...k8sVersions(cp.binDir), node: process.version, extender: codeVersion(), dist: build };
  const write = (finished: boolean): string =>
    writeResult(o.out, {
      schema: 1,
      kind: 'scheduler',
      startedAt,
      finishedAt: finished ? new Date().toISOString() : undefined,
      command,
      versions,
      machine: machine(),
      load: { atStart: loadAtStart, atEnd: loadInfo() },
      options: o,
      setup: {
        controlPlane: 'etcd + kube-apiserver (APF off, max inflight unlimited) + kube-controller-manager (PV binder + protection controllers, --kube-api-qps 500 --kube-api-burst 1000, --pvclaimbinder-sync-period 2s), started once by test/e2e/harness/controlplane.ts',
        inTree: 'stock kube-scheduler: deploy/scheduler-config.yaml with VolumeBinding re-enabled and no extenders (percentageOfNodesToScore 100, qps 500/burst 1000, -v=1)',
        extender: 'deploy/scheduler-config.yaml: VolumeBinding disabled + volume-topology-extender (filter/prioritize/preempt/bind, nodeCacheCapable, weight 1, httpTimeout 120s), percentageOfNodesToScore 100, qps 500/burst 1000, -v=1',
        extenderProcess: `NODE_OPTIONS='${deployedNodeOptions()}' (deploy/deployment.yaml) node dist/bin.js serve --kubeconfig <token of ServiceAccount kube-system/volume-topology-extender, deploy/rbac.yaml> --log-level=warn (defaults: bind waits for the PVCs to be Bound, --bind-timeout 100s)`,
        provisioner: `dynamic workload: TestProvisioner (test/e2e/harness/provisioner.ts) in the bench process, polling every 250 ms, provisioner ${CSI_PROVISIONER}`,
      },
      runs: results,
    });
  try {
    await applyExtenderRBAC(cp.kc);
    const sa = await cp.core.createNamespacedServiceAccountToken({ namespace: 'kube-system', name: 'volume-topology-extender', body: { spec: { expirationSeconds: 24 * 3600, audiences: [] } } });
    const extenderKubeconfig = join(cp.dir, 'extender.kubeconfig');
    writeFileSync(
      extenderKubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'bench', cluster: { server: cp.server, 'certificate-authority': cp.caFile } }],
        users: [{ name: 'extender', user: { token: sa.status?.token ?? '' } }],
        contexts: [{ name: 'bench', context: { cluster: 'bench', user: 'extender' } }],
        'current-context': 'bench',
      }),
    );
    const b: Bench = { cp, logs: join(cp.dir, 'logs'), extenderKubeconfig, o };
    await cp.core.createNamespace({ body: { metadata: { name: wl.CAPACITY_NS } } });
    await cp.storage.createCSIDriver({ body: { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: CSI_PROVISIONER }, spec: { storageCapacity: true, attachRequired: false } } });
    await cp.storage.createStorageClass({ body: wl.staticClass() });
    await cp.storage.createStorageClass({ body: wl.dynamicClass(CSI_PROVISIONER) });
    for (const c of wl.capacities()) await cp.storage.createNamespacedCSIStorageCapacity({ namespace: wl.CAPACITY_NS, body: c });

    let cell = 0;
    for (const nodes of o.sizes) {
      let t = Date.now();
      await pool(wl.nodes(nodes), o.concurrency, (n) => cp.core.createNode({ body: n }));
      log(`${nodes} nodes created in ${fmt((Date.now() - t) / 1000, 1)} s`);
      for (const workload of o.workloads) {
        let order = 0;
        for (let r = 1; r <= o.repeats; r++) {
          const seq = cell % 2 === 0 ? o.configs : [...o.configs].reverse();
          cell++;
          for (const config of seq) {
            try {
              results.push(await runOne(b, workload, nodes, config, r, ++order));
            } catch (e) {
              const msg = e instanceof Error ? e.message : String(e);
              log(`run ${workload}/${nodes}/${config}/r${r} FAILED: ${msg}`);
              process.env.VTE_E2E_KEEP = '1'; // keep the control-plane logs for diagnosis
              log(`logs kept in ${b.logs}`);
              throw e;
            }
            write(false);
          }
        }
      }
      t = Date.now();
      await cp.core.deleteCollectionNode({ labelSelector: `${wl.BENCH_LABEL}=node` });
      log(`${nodes} nodes deleted in ${fmt((Date.now() - t) / 1000, 1)} s`);
    }
    const path = write(true);
    process.stdout.write(`\n${summaryTable(results)}\nwrote ${path}\n`);
  } finally {
    log('stopping the control plane');
    await cp.stop();
    clearTimeout(deadline);
  }
}

function summaryTable(rs: readonly RunResult[]): string {
  const lines = ['| workload | nodes | config | order | pods | pods/s avg | p50 | all pods bound s | all PVCs bound s | PVCs/s avg | extender filter p99 ms | extender RSS peak MB |', '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rs) {
    lines.push(
      `| ${r.workload} | ${r.nodes} | ${r.config} | ${r.orderInCell} | ${r.podsBound}/${r.pods} | ${fmt(r.podThroughput.average, 1)} | ${r.podThroughput.p50} | ${fmt(r.timeToAllPodsBoundS ?? NaN, 1)} | ${fmt(r.timeToAllPVCsBoundS ?? NaN, 1)} | ` +
        `${fmt(r.pvcThroughput.average, 1)} | ${fmt(r.extender?.verbs.filter?.p99Ms ?? NaN, 2)} | ${r.extender?.rssPeakMB ?? '–'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

main().catch((e: unknown) => {
  process.stderr.write(`scheduler bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
