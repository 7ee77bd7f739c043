/**
 * Generates bench/RESULTS.md from bench/results/*.json. Never edit the numbers in RESULTS.md by
 * hand: re-run the benches, then this script.
 *
 *   npx tsx bench/report.ts [--engine engine.json] [--http http.json] [--profile profile.json]
 *                           [--scaling engine-scaling.json] [--server-profile server-profile.json]
 *                           [--scheduler scheduler.json] [--scheduler-profile sched-extender-profile.json]
 *                           [--scheduler-extra scheduler-order.json[,…]]
 *                           [--engine-pvcs engine-pvcs.json] [--http-pvcs http-pvcs.json]
 *                           (each optional; files under bench/results/)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SizeResult } from './engine.js';
import type { HttpSizeResult } from './http.js';
import type { HotFunction } from './profile.js';
import { BENCH_DIR, type CodeVersion, flags, fmt, type LoadInfo, type Machine, RESULTS_DIR } from './lib.js';
import type { HistSummary } from './scheduler/prom.js';
import type { RunResult, SchedConfig } from './scheduler/run.js';

interface RunMeta {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly code?: CodeVersion;
  readonly machine: Machine;
  readonly load: { readonly atStart: LoadInfo; readonly atEnd: LoadInfo };
}

interface EngineFile extends RunMeta {
  readonly runtime?: string;
  /** NODE_OPTIONS of the timed child processes (absent in results from before it was recorded). */
  readonly nodeOptions?: string;
  readonly config: { readonly pods: number; readonly samples: number; readonly warmup: number; readonly naiveSamples: number; readonly seed: number; readonly dynamic: boolean };
  readonly sizes: readonly SizeResult[];
  readonly target: { readonly text: string; readonly nodes: number; readonly p99Ms: number; readonly measuredP99Ms?: number; readonly pass?: boolean };
}

interface HttpFile extends RunMeta {
  readonly build?: string;
  readonly serverCommand: string;
  readonly config: { readonly durationS: number; readonly connections: number | readonly number[]; readonly warmupS: number };
  readonly sizes: readonly HttpSizeResult[];
}

interface ProfileFile {
  readonly at: string;
  readonly runtime?: string;
  readonly command: string;
  readonly nodes: number;
  readonly iterations: number;
  readonly meanFilterMs: number;
  readonly cpuprofile: string;
  readonly bySelf: readonly HotFunction[];
  readonly byTotal: readonly HotFunction[];
}

const IDLE_LOAD = 0.5;

function read(name: string): unknown {
  const p = join(RESULTS_DIR, name);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as unknown) : undefined;
}

function loadText(l: LoadInfo): string {
  return `${l.loadavg1} (1 min) / ${l.loadavg5} (5 min)${l.goBuildRunning ? ', `go build` running' : ''}`;
}

function loadNote(name: string, r: RunMeta): string {
  const a = r.load.atStart;
  const b = r.load.atEnd;
  const busy = a.loadavg1 > IDLE_LOAD || a.goBuildRunning;
  return (
    `- ${name} (${r.startedAt} → ${r.finishedAt}): load average at start ${loadText(a)}; at end ${loadText(b)}` +
    (busy ? ` — **machine not idle: treat these numbers as pessimistic**` : '') +
    (r.code ? `; code: commit ${r.code.commit}${r.code.dirtySrcFiles > 0 ? ` + ${r.code.dirtySrcFiles} uncommitted src file(s)` : ''}, src hash ${r.code.srcHash}` : '')
  );
}

function int(n: number): string {
  return n.toLocaleString('en-US');
}

function engineSection(e: EngineFile): string[] {
  const out: string[] = [];
  const t = e.target;
  const verdict = t.pass === undefined ? 'NOT MEASURED' : t.pass ? 'PASS' : 'MISS';
  out.push('## Engine (in-process)', '');
  out.push(
    `**Target: engine filter p99 ≤ ${t.p99Ms} ms at 5,000 nodes × 50,000 PVs — ${verdict}**` +
      (t.measuredP99Ms === undefined ? '' : ` (measured p99 ${fmt(t.measuredP99Ms, 3)} ms; load average at start ${e.load.atStart.loadavg1})`),
    '',
  );
  out.push(
    `Filter = \`filterPodVerdicts(pod, allNodes, store)\` + the rejection of each unfit node (PreFilter once + FindPodVolumes for every node: the filter verb's engine work; bench/results/before/ timed \`filterPod\`, which the verb used then); ` +
      `prioritize = \`filterPod\` (per-node plans) + \`scoreNodes\` (default policy), as the prioritize verb. Times per pod in ms, ${e.config.samples} samples per size after ${e.config.warmup} warm-up calls, ` +
      `pods cycled from a mix of ${e.config.pods} pending pods with 1–3 claims; \`process.hrtime.bigint()\`. Code: ${e.runtime ?? 'tsc-compiled JS'}` +
      `${e.nodeOptions === undefined ? '' : `, children run with NODE_OPTIONS='${e.nodeOptions}' (the deployed heap flags unless overridden)`}. ` +
      `Memory: \`process.memoryUsage()\` after a full GC with the store loaded (each size in a fresh process).`,
    '',
  );
  out.push(
    '| nodes | PVs | objects | store load ms | snapshot file load ms | RSS MB | heapUsed MB | filter p50 | p90 | p99 | max | prioritize p50 | p90 | p99 | max |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of e.sizes) {
    const f = r.filter;
    const p = r.prioritize;
    out.push(
      `| ${int(r.nodes)} | ${int(r.counts.PersistentVolume ?? 0)} | ${int(r.objects)} | ${fmt(r.loadMs, 0)} | ${fmt(r.snapshotLoadMs, 0)} | ${fmt(r.memoryAfterLoad.rssMB, 0)} | ${fmt(r.memoryAfterLoad.heapUsedMB, 0)} | ` +
        `${fmt(f.p50, 3)} | ${fmt(f.p90, 3)} | **${fmt(f.p99, 3)}** | ${fmt(f.max, 3)} | ${fmt(p.p50, 3)} | ${fmt(p.p90, 3)} | ${fmt(p.p99, 3)} | ${fmt(p.max, 3)} |`,
    );
  }
  out.push('', 'Filter latency by number of claims (ms):', '', '| nodes | claims | samples | p50 | p90 | p99 | max |', '|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of e.sizes) {
    for (const [k, s] of Object.entries(r.filterByClaims)) {
      out.push(`| ${int(r.nodes)} | ${k} | ${s.samples} | ${fmt(s.p50, 3)} | ${fmt(s.p90, 3)} | ${fmt(s.p99, 3)} | ${fmt(s.max, 3)} |`);
    }
  }
  const naive = e.sizes.filter((r) => r.naive !== undefined);
  if (naive.length > 0) {
    out.push('', '### Indexed vs naive', '');
    out.push(
      'Naive = brute-force reference filter (bench/naive.ts): for every node, every claim scans every PV of its class in name order with upstream ' +
        "FindMatchingVolume's check order (and every CSIStorageCapacity of the class), no indexes. Timed in interleaved pairs with the indexed `filterPod` (per-node results, like the naive filter) over the same pods; " +
        'the decisions of both are compared for every pod of the mix.',
      '',
      '| nodes | PVs | pairs | indexed p50 ms | naive p50 ms | naive p99 ms | **indexed/naive (p50)** | indexed/naive (total time) | speed-up | decisions identical |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    );
    for (const r of naive) {
      const n = r.naive!;
      out.push(
        `| ${int(r.nodes)} | ${int(r.counts.PersistentVolume ?? 0)} | ${n.pairs} | ${fmt(n.indexed.p50, 3)} | ${fmt(n.naive.p50, 1)} | ${fmt(n.naive.p99, 1)} | **${n.ratioP50.toFixed(4)}** | ${n.ratioTotal.toFixed(4)} | ` +
          `${fmt(1 / n.ratioP50, 0)}× | ${n.mismatchedPods === 0 ? 'yes (all pods)' : `**NO** — ${n.mismatchedPods} pods, e.g. ${n.mismatchExample ?? ''}`} |`,
      );
    }
  }
  out.push('', '### Workload', '');
  for (const r of e.sizes) {
    const c = r.counts;
    out.push(
      `- ${int(r.nodes)} nodes in ${r.zones} zones and ${r.racks} racks; ${int(c.PersistentVolume ?? 0)} local PVs (class local-wffc, hostname affinity, 10/20/50/100/200Gi, ~20% already claimed); ` +
        `${int(c.PersistentVolumeClaim ?? 0)} PVCs; ${c.Pod ?? 0} pending pods; ${c.StorageClass ?? 0} StorageClasses, ${c.CSIDriver ?? 0} CSIDriver, ${c.CSIStorageCapacity ?? 0} CSIStorageCapacities. ` +
        `Decisions: ${Object.entries(r.decisionKinds).map(([k, v]) => `${v} ${k}`).join(', ')}; on average ${(r.meanFitFraction * 100).toFixed(1)}% of nodes fit a pod. ` +
        `Snapshot JSON ${(r.snapshotBytes / 1e6).toFixed(1)} MB.`,
    );
  }
  out.push(
    `- Pending claims request 5–150Gi; ${e.config.dynamic ? '~15% of them use the dynamic zonal class zonal-csi (allowedTopologies: all zones but the last; CSIStorageCapacity per zone, the first nearly full), the rest local-wffc' : 'all use local-wffc'}. Seed ${e.config.seed}.`,
  );
  return out;
}

function httpSection(h: HttpFile): string[] {
  const out: string[] = ['## HTTP (extender process, loopback)', ''];
  out.push(
    `The real extender (\`${h.serverCommand}\`) in its own process; autocannon in the bench process sends POST /scheduler/filter with one pending pod ` +
      `(2 local claims) and every node in \`NodeNames\` (nodeCacheCapable: true), pipelining 1, ${h.config.warmupS} s warm-up then ${h.config.durationS} s ` +
      `at ${[h.config.connections].flat().join(' and ')} connection(s) against the same server. 1 connection is how kube-scheduler calls an extender ` +
      '(one pod at a time: latency = service time); with 4 the single-threaded server queues requests, so latency ≈ 4 × service time and req/s is the throughput. ' +
      'Latency from per-response hrtime (autocannon response event); server RSS from /proc/<pid>/status VmRSS. Client and server share the machine' +
      (h.build ? ` (dist: ${h.build}).` : '.'),
    '',
    '| nodes | PVs | body kB | conns | req/s | p50 ms | p90 ms | p99 ms | max ms | requests | errors | non-2xx | RSS after load MB | peak RSS MB | startup ms | nodes passing |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of h.sizes) {
    out.push(
      `| ${int(r.nodes)} | ${int(r.pvs)} | ${fmt(r.bodyBytes / 1e3, 0)} | ${r.connections} | ${fmt(r.requestsPerSec, 1)} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p90)} | **${fmt(r.latency.p99)}** | ${fmt(r.latency.max)} | ` +
        `${int(r.requests)} | ${r.errors} | ${r.non2xx} | ${r.rss.afterLoadMB ?? '–'} | ${r.rss.peakMB ?? '–'} | ${fmt(r.startupMs, 0)} | ${int(r.check.passed)} / ${int(r.nodes)} |`,
    );
  }
  return out;
}

interface ServerProfileFile {
  readonly at: string;
  readonly command: string;
  readonly cpuprofile: string;
  readonly totalMs: number;
  readonly bySelf: readonly HotFunction[];
  readonly byTotal: readonly HotFunction[];
}

function serverProfileSection(p: ServerProfileFile, title = 'Profile: extender process under HTTP load', how = '`node --cpu-prof` on the server during `npx tsx bench/http.ts --sizes 5000 --connections 1 --duration 10 --warmup 2 --server-cpu-prof --out http-prof.json`'): string[] {
  const out: string[] = [`## ${title}`, ''];
  out.push(
    `${how} ` +
      `(whole process lifetime, so startup is included), summarized by \`${p.command}\`; ${fmt(p.totalMs / 1000, 1)} s of CPU samples.`,
    '',
    '| self % | total % | function |',
    '|---:|---:|---|',
  );
  for (const h of p.bySelf.slice(0, 15)) out.push(`| ${h.selfPct} | ${h.totalPct} | \`${h.fn}\` |`);
  const wanted = ['dist/http/verbs/filter.js:filter', 'dist/engine/filter.js:filterPod', 'dist/engine/filter.js:filterPodVerdicts', 'dist/http/candidates.js:namedCandidates', 'dist/http/wire.js:filterResult', 'dist/http/wire.js:encodeFilterResult'];
  const inclusive = p.byTotal.filter((h) => wanted.includes(h.fn));
  if (inclusive.length > 0) {
    out.push('', `Inclusive: ${inclusive.map((h) => `\`${h.fn}\` ${h.totalPct}%`).join(', ')}.`);
  }
  return out;
}

function profileSection(p: ProfileFile): string[] {
  const out: string[] = ['## Profile: filter at ' + int(p.nodes) + ' nodes', ''];
  out.push(
    `V8 CPU profile (100 µs sampling) of ${p.iterations} filter calls only, ${p.runtime ?? 'tsc-compiled JS'} (\`${p.command}\`, ${p.at}); mean ${fmt(p.meanFilterMs, 2)} ms per call with the profiler on. ` +
      `Full profile: \`${p.cpuprofile}\` (gitignored; open in Chrome DevTools).`,
    '',
    '| self % | total % | function |',
    '|---:|---:|---|',
  );
  for (const h of p.bySelf.slice(0, 12)) out.push(`| ${h.selfPct} | ${h.totalPct} | \`${h.fn}\` |`);
  return out;
}

function scalingSection(e: EngineFile): string[] {
  const out: string[] = ['### Scaling (diagnostic)', ''];
  out.push(
    `Same workload at more sizes (\`${e.command}\`, load average at start ${e.load.atStart.loadavg1}); the last column is the filter p50 divided by the node count.`,
    '',
    '| nodes | PVs | filter p50 ms | p99 ms | prioritize p50 ms | µs per node (p50) | heapUsed MB |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of e.sizes) {
    out.push(
      `| ${int(r.nodes)} | ${int(r.counts.PersistentVolume ?? 0)} | ${fmt(r.filter.p50, 3)} | ${fmt(r.filter.p99, 3)} | ${fmt(r.prioritize.p50, 3)} | ${fmt((1000 * r.filter.p50) / r.nodes, 2)} | ${fmt(r.memoryAfterLoad.heapUsedMB, 0)} |`,
    );
  }
  return out;
}

/** Computed observations (no hand-written numbers). */
function observations(e: EngineFile | undefined, h: HttpFile | undefined, scaling: EngineFile | undefined, profile: ProfileFile | undefined): string[] {
  const out: string[] = [];
  const perNode = (r: SizeResult): number => (1000 * r.filter.p50) / r.nodes;
  const sizes = [...(e?.sizes ?? []), ...(scaling?.sizes ?? [])].sort((a, b) => a.nodes - b.nodes);
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  if (first && last && first.nodes !== last.nodes) {
    out.push(
      `- Filter cost per node (p50 / nodes) grows from ${fmt(perNode(first), 2)} µs at ${int(first.nodes)} nodes to ${fmt(perNode(last), 2)} µs at ${int(last.nodes)} nodes: ` +
        'the per-node work does not depend on cluster size (one index lookup and a short scan per claim), so the growth points at memory: ' +
        'pointer chasing through a working set that no longer fits the CPU caches, plus GC of the per-node result objects (see the profiles).',
    );
  }
  if (profile && profile.bySelf.length > 0) {
    out.push(`- Hottest functions in the ${int(profile.nodes)}-node filter profile (self time): ${profile.bySelf.slice(0, 5).map((x) => `\`${x.fn}\` ${x.selfPct}%`).join(', ')}.`);
  }
  const e5 = e?.sizes.find((r) => r.nodes === 5000);
  const h5 = h?.sizes.find((r) => r.nodes === 5000 && r.connections === 1);
  if (e5 && h5) {
    out.push(
      `- At 5,000 nodes one HTTP filter call (1 connection) takes p50 ${fmt(h5.latency.p50)} ms against ${fmt(e5.filter.p50)} ms for the engine filter alone: ` +
        `~${fmt(h5.latency.p50 - e5.filter.p50, 0)} ms per call go to the rest of the request path (parsing and validating the ${fmt(h5.bodyBytes / 1e3, 0)} kB body, ` +
        'NodeNames → node lookups, response encoding, loopback I/O and GC; see the server profile).',
    );
  }
  const hs = h?.sizes.filter((r) => r.nodes === 5000) ?? [];
  const peak = Math.max(...hs.map((r) => r.rss.peakMB ?? 0));
  const base = hs[0]?.rss.afterLoadMB;
  if (hs.length > 0 && base !== undefined && peak > 0) {
    out.push(`- Server RSS at 5,000 nodes: ${fmt(base, 0)} MB after loading the snapshot, up to ${fmt(peak, 0)} MB under sustained filter load (V8 heap growth from per-request garbage; size memory limits for the peak).`);
  }
  return out.length > 0 ? ['## Observations (computed)', '', ...out] : [];
}

// ---- Scheduler throughput (bench/scheduler/run.ts) and the 50,000-PVC runs ----

interface SchedulerFile {
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly command: string;
  readonly versions: { readonly key?: string; readonly k8s?: string; readonly etcd?: string; readonly go?: string; readonly node?: string; readonly extender?: CodeVersion; readonly dist?: string };
  readonly machine: Machine;
  readonly load: { readonly atStart: LoadInfo; readonly atEnd: LoadInfo };
  readonly options: { readonly repeats: number; readonly pvsPerNode: number; readonly warmupPods: number; readonly concurrency: number; readonly seed: number };
  readonly setup: Readonly<Record<string, string>>;
  readonly runs: readonly RunResult[];
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
const ms = (s: HistSummary | undefined): string => (s ? `${fmt(s.p50Ms, 1)} / ${fmt(s.p99Ms, 1)}` : '–');

interface Cell {
  readonly workload: string;
  readonly nodes: number;
  readonly byConfig: ReadonlyMap<SchedConfig, readonly RunResult[]>;
}

function cells(s: SchedulerFile): Cell[] {
  const out: Cell[] = [];
  for (const r of s.runs) {
    let c = out.find((x) => x.workload === r.workload && x.nodes === r.nodes);
    if (!c) out.push((c = { workload: r.workload, nodes: r.nodes, byConfig: new Map() }));
    const m = c.byConfig as Map<SchedConfig, RunResult[]>;
    m.set(r.config, [...(m.get(r.config) ?? []), r]);
  }
  return out;
}

/**
 * Mean over repeats of the scheduler_perf Average (pods/s). An incomplete run counts with its
 * windows up to the run timeout (empty windows included), i.e. what it achieved.
 */
function avgThroughput(rs: readonly RunResult[] | undefined): number {
  if (!rs || rs.length === 0) return Number.NaN;
  return mean(rs.map((r) => r.podThroughput.average));
}

function incompleteNote(rs: readonly RunResult[] | undefined): string {
  const bad = (rs ?? []).filter((r) => !r.complete);
  return bad.length === 0 ? '' : ` — ${bad.map((r) => `${r.config} did not finish: ${r.podsBound}/${r.pods} pods bound before the timeout`).join('; ')}`;
}

function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return '–';
  if (b <= 0) return a > 0 ? '∞' : '–';
  const r = a / b;
  return r >= 10 ? r.toFixed(0) : r.toFixed(2);
}

function schedulerSection(s: SchedulerFile, title = 'Scheduler throughput: in-tree vs extender'): string[] {
  const v = s.versions;
  const out: string[] = [`## ${title}`, ''];
  out.push(
    'One command starts a real control plane once and runs the same workload under both scheduler configurations, each with its own fresh kube-scheduler (and extender) process:',
    '',
    `- **in-tree**: ${s.setup.inTree ?? ''}`,
    `- **extender**: ${s.setup.extender ?? ''}; extender process: \`${s.setup.extenderProcess ?? ''}\``,
    `- control plane: ${s.setup.controlPlane ?? ''}`,
    `- ${s.setup.provisioner ?? ''}`,
    '',
    '```sh',
    s.command,
    '```',
    '',
    `Versions: Kubernetes ${v.k8s ?? '?'} (kube-apiserver, kube-controller-manager, kube-scheduler), etcd ${v.etcd ?? '?'}, built with ${v.go ?? '?'} by test/e2e/controlplane/build.sh (cache key \`${v.key ?? '?'}\`); ` +
      `Node ${v.node ?? '?'}; extender code: commit ${v.extender?.commit ?? '?'}${v.extender && v.extender.dirtySrcFiles > 0 ? ` + ${v.extender.dirtySrcFiles} uncommitted src file(s)` : ''}, src hash ${v.extender?.srcHash ?? '?'} (dist: ${v.dist ?? '?'}). ` +
      `Machine: ${s.machine.cpuModel}, nproc ${s.machine.nproc}, ${s.machine.memTotalGB} GiB — every process (etcd, apiserver, KCM, scheduler, extender, the bench with its watches and the test provisioner) shares these ${s.machine.nproc} cores. ` +
      `Run ${s.startedAt} → ${s.finishedAt ?? '(unfinished)'}; load average at start ${loadText(s.load.atStart)}, at end ${loadText(s.load.atEnd)}.`,
    '',
    `Method (scheduler_perf style): per run, create the static PVs (static workload: ${s.options.pvsPerNode} per node) and all PVCs (untimed), schedule ${s.options.warmupPods} warm-up pods (untimed), then create the measured pods ` +
      `with ${s.options.concurrency} parallel requests and watch pods and PVCs. **pods/s** = pods that got \`spec.nodeName\` per 1 s window from the first pod creation (leading empty windows and the last partial window dropped), ` +
      'average and p50 of the windows (scheduler_perf SchedulingThroughput); **all bound** = first pod creation → last pod bound; **PVC/s** = the same windows over PVC phase Bound (the PV controller\'s output). ' +
      'Scheduler histograms are deltas of kube-scheduler\'s /metrics over the measured phase (p50 / p99 estimated from buckets like histogram_quantile; `attempt` = scheduler_scheduling_attempt_duration_seconds{result="scheduled"}, algorithm + binding; ' +
      '`SLI` = scheduler_pod_scheduling_sli_duration_seconds, end to end incl. retries; `algorithm` = scheduler_scheduling_algorithm_duration_seconds, which includes the extender filter/prioritize calls). ' +
      'A quantile shown as 16384.0 lies beyond the top finite bucket of the attempt histogram (16.384 s); the attempt includes the binding cycle, i.e. the wait for the PVCs to be Bound. ' +
      'Extender per-verb latencies from its vte_extender_request_duration_seconds (same estimation; bucket bounds 0.5/1/2.5/5/10/25/50/100/250 ms…); RSS from /proc/<pid>/status VmRSS (peak sampled every 250 ms). ' +
      `Both configurations run in alternating order (order column; ${s.options.repeats} repeat(s)); in each run the pod binding waits for the PVCs to be Bound (in-tree PreBind; extender bind verb), so both are bounded by the PV controller / provisioner.`,
    '',
  );
  for (const workload of [...new Set(s.runs.map((r) => r.workload))]) {
    const cs = cells(s).filter((c) => c.workload === workload);
    out.push(
      `### ${workload === 'static' ? 'Static local PVs, WaitForFirstConsumer' : 'Dynamic provisioning, WaitForFirstConsumer + CSIStorageCapacity'}`,
      '',
      workload === 'static'
        ? 'nodes × 10 local PVs (hostname affinity, 20/50/100Gi, Retain); each pod has 1–2 WFFC claims of 5–40Gi.'
        : 'StorageClass with the test CSI provisioner (WFFC), CSIDriver storageCapacity: true, one CSIStorageCapacity of 100Ti per zone (5 zones); each pod has 1 claim of 5–40Gi, provisioned after selected-node is set.',
      '',
      '| nodes | pods (PVCs) | config | order | pods/s avg | pods/s p50 | pods/s overall | all pods bound s | all PVCs bound s | PVC/s avg | **extender / in-tree (avg pods/s)** | ratio (p50) |',
      '|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const c of cs) {
      const it = c.byConfig.get('in-tree');
      const ex = c.byConfig.get('extender');
      const p50 = (rs: readonly RunResult[] | undefined): number => mean((rs ?? []).map((r) => r.podThroughput.p50));
      for (const [config, rs] of [['in-tree', it], ['extender', ex]] as const) {
        if (!rs) continue;
        const first = rs[0]!;
        const f = (g: (r: RunResult) => number | undefined, d = 1): string => rs.map((r) => fmt(g(r) ?? Number.NaN, d)).join(' / ');
        out.push(
          `| ${int(c.nodes)} | ${int(first.pods)} (${int(first.pvcs)}) | ${config} | ${rs.map((r) => r.orderInCell).join(', ')} | ${f((r) => r.podThroughput.average)} | ${rs.map((r) => r.podThroughput.p50).join(' / ')} | ` +
            `${f((r) => r.podThroughput.overall)} | ${f((r) => r.timeToAllPodsBoundS)} | ${f((r) => r.timeToAllPVCsBoundS)} | ${f((r) => r.pvcThroughput.average)} | ` +
            (config === 'extender' ? `**${ratio(avgThroughput(ex), avgThroughput(it))}** | ${ratio(p50(ex), p50(it))} |` : ' | |'),
        );
      }
    }
    const incomplete = cs.flatMap((c) => [...c.byConfig.values()].flat()).filter((r) => !r.complete);
    if (incomplete.length > 0) out.push('');
    for (const r of incomplete) out.push(`- **${r.config} at ${int(r.nodes)} nodes did not finish within the run timeout**: ${r.error ?? ''}; its pods/s windows run to the timeout (empty windows included).`);
    out.push('');
    for (const c of cs) {
      const perPod = (rs: readonly RunResult[] | undefined, k: string): number =>
        mean((rs ?? []).map((r) => (1000 * (r.cpuSeconds[k] ?? Number.NaN)) / Math.max(1, r.podsBound)));
      const it = c.byConfig.get('in-tree');
      const ex = c.byConfig.get('extender');
      if (!it || !ex) continue;
      const sIt = perPod(it, 'kube-scheduler');
      const sEx = perPod(ex, 'kube-scheduler');
      const eEx = perPod(ex, 'extender');
      const alg = (rs: readonly RunResult[]): number => mean(rs.map((r) => r.scheduler.algorithm?.meanMs ?? Number.NaN));
      out.push(
        `- ${int(c.nodes)} nodes: CPU per bound pod — in-tree kube-scheduler ${fmt(sIt, 0)} ms; extender config kube-scheduler ${fmt(sEx, 0)} ms + extender ${fmt(eEx, 0)} ms = ${fmt(sEx + eEx, 0)} ms. ` +
          `Mean scheduling-algorithm time per attempt: in-tree ${fmt(alg(it), 1)} ms, extender config ${fmt(alg(ex), 1)} ms (includes the filter and prioritize HTTP calls).`,
      );
    }
    out.push(
      '',
      `Latencies in ms (p50 / p99) and resources, ${workload} workload:`,
      '',
      '| nodes | config | attempt (scheduled) | SLI | algorithm | extender filter | prioritize | bind | extender RSS peak / end MB | CPU s: scheduler | extender | apiserver | etcd | KCM | bench |',
      '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const c of cs) {
      for (const config of ['in-tree', 'extender'] as const) {
        for (const r of c.byConfig.get(config) ?? []) {
          const e = r.extender;
          const cpu = (k: string): string => fmt(r.cpuSeconds[k] ?? Number.NaN, 1);
          out.push(
            `| ${int(r.nodes)} | ${config}${(c.byConfig.get(config)?.length ?? 0) > 1 ? ` #${r.repeat}` : ''} | ${ms(r.scheduler.attemptByResult.scheduled)} | ${ms(r.scheduler.sli)} | ${ms(r.scheduler.algorithm)} | ` +
              `${ms(e?.verbs.filter)} | ${ms(e?.verbs.prioritize)} | ${ms(e?.verbs.bind)} | ${e ? `${e.rssPeakMB ?? '–'} / ${e.rssEndMB ?? '–'}` : '–'} | ` +
              `${cpu('kube-scheduler')} | ${e ? cpu('extender') : '–'} | ${cpu('kube-apiserver')} | ${cpu('etcd')} | ${cpu('kube-controller-manager')} | ${cpu('bench (watch, create, provisioner)')} |`,
          );
        }
      }
    }
    out.push('');
  }
  return out;
}

interface Target {
  readonly text: string;
  readonly measured: string;
  readonly pass: boolean | undefined;
}

function targetsSection(ts: readonly Target[]): string[] {
  if (ts.length === 0) return [];
  const out = ['## Targets', '', '| target | measured | verdict |', '|---|---|---|'];
  for (const t of ts) out.push(`| ${t.text} | ${t.measured} | ${t.pass === undefined ? 'NOT MEASURED' : t.pass ? '**PASS**' : '**MISS**'} |`);
  return out;
}

function schedulerTarget(s: SchedulerFile | undefined): Target {
  const text = 'Extender throughput ≥ in-tree (scheduler_perf Average pods/s) on the WaitForFirstConsumer static local-PV workload at 500 nodes';
  const c = s ? cells(s).find((x) => x.workload === 'static' && x.nodes === 500) : undefined;
  const it = avgThroughput(c?.byConfig.get('in-tree'));
  const ex = avgThroughput(c?.byConfig.get('extender'));
  if (!Number.isFinite(it) || !Number.isFinite(ex)) return { text, measured: 'not run', pass: undefined };
  const notes = `${incompleteNote(c?.byConfig.get('in-tree'))}${incompleteNote(c?.byConfig.get('extender'))}`;
  return { text, measured: `extender ${fmt(ex, 1)} vs in-tree ${fmt(it, 2)} pods/s (ratio ${ratio(ex, it)})${notes}`, pass: ex >= it && !(c?.byConfig.get('extender') ?? []).some((r) => !r.complete) };
}

function bigEngineSection(e: EngineFile): string[] {
  const r = e.sizes[0];
  if (!r) return [];
  const c = r.counts;
  const out: string[] = [`## Large store: ${int(r.nodes)} nodes × ${int(c.PersistentVolume ?? 0)} PVs × ${int(c.PersistentVolumeClaim ?? 0)} PVCs`, ''];
  out.push(
    `Engine (\`${e.command}\`, ${e.runtime ?? 'tsc-compiled JS'}, ${e.startedAt}, load average at start ${loadText(e.load.atStart)}): ` +
      `${int(r.nodes)} nodes, ${int(c.PersistentVolume ?? 0)} PVs, **${int(c.PersistentVolumeClaim ?? 0)} PVCs** (${int(c.BoundPVC ?? 0)} Bound to local PVs, ${int(c.BacklogPVC ?? 0)} backlog Pending claims no pod uses, ${int(c.PendingPVC ?? 0)} claims of the ${c.Pod ?? 0} pending pods); ` +
      `${int(r.objects)} objects. On average ${(r.meanFitFraction * 100).toFixed(1)}% of nodes fit a pod. Bind planning = \`filterPod(pod, [chosen node])\` + \`bindVolumeToClaim\`/\`withSelectedNode\` for its plan (the bind verb's computation before its API writes), for the ${r.bindPlanPods ?? '?'} pods with a fitting node.`,
    '',
    '| nodes | PVs | PVCs | store load ms | snapshot file load ms | RSS MB | heapUsed MB | filter p50 | p90 | **p99** | max | prioritize p50 | p99 | bind plan p50 | p99 | max |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const x of e.sizes) {
    out.push(
      `| ${int(x.nodes)} | ${int(x.counts.PersistentVolume ?? 0)} | ${int(x.counts.PersistentVolumeClaim ?? 0)} | ${fmt(x.loadMs, 0)} | ${fmt(x.snapshotLoadMs, 0)} | ${fmt(x.memoryAfterLoad.rssMB, 0)} | ${fmt(x.memoryAfterLoad.heapUsedMB, 0)} | ` +
        `${fmt(x.filter.p50, 3)} | ${fmt(x.filter.p90, 3)} | **${fmt(x.filter.p99, 3)}** | ${fmt(x.filter.max, 3)} | ${fmt(x.prioritize.p50, 3)} | ${fmt(x.prioritize.p99, 3)} | ` +
        `${fmt(x.bindPlan?.p50 ?? Number.NaN, 3)} | ${fmt(x.bindPlan?.p99 ?? Number.NaN, 3)} | ${fmt(x.bindPlan?.max ?? Number.NaN, 3)} |`,
    );
  }
  out.push('', 'The in-process RSS/heap above include the bench\'s own copy of the generated objects (the store holds the same objects); the extender process numbers below are the deployable figure.');
  return out;
}

function bigHttpSection(h: HttpFile): string[] {
  const out: string[] = [''];
  out.push(
    `HTTP (\`${h.command}\`, ${h.startedAt}, load average at start ${loadText(h.load.atStart)}): the extender process serving a snapshot with the same objects; POST /scheduler/filter with every node name, as in the HTTP section.`,
    '',
    '| nodes | PVs | PVCs | conns | req/s | p50 ms | p90 ms | **p99 ms** | max ms | errors | non-2xx | **RSS after load MB** | peak RSS MB | startup ms | nodes passing |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of h.sizes) {
    out.push(
      `| ${int(r.nodes)} | ${int(r.pvs)} | ${r.pvcs === undefined ? '–' : int(r.pvcs)} | ${r.connections} | ${fmt(r.requestsPerSec, 1)} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p90)} | **${fmt(r.latency.p99)}** | ${fmt(r.latency.max)} | ` +
        `${r.errors} | ${r.non2xx} | **${r.rss.afterLoadMB ?? '–'}** | ${r.rss.peakMB ?? '–'} | ${fmt(r.startupMs, 0)} | ${int(r.check.passed)} / ${int(r.nodes)} |`,
    );
  }
  return out;
}

function latencyTargets(engine: EngineFile | undefined, http: HttpFile | undefined, engineBig: EngineFile | undefined, httpBig: HttpFile | undefined): Target[] {
  const out: Target[] = [];
  const e = (f: EngineFile | undefined): SizeResult | undefined => f?.sizes.find((r) => r.nodes === 5000);
  for (const [label, f] of [['5,000 nodes × 50,000 PVs × 50,000 PVCs', engineBig], ['5,000 nodes × 50,000 PVs, default fixture', engine]] as const) {
    const r = e(f);
    if (f || label.includes('50,000 PVCs')) {
      out.push({ text: `Engine filter p99 ≤ 10 ms (${label})`, measured: r ? `p99 ${fmt(r.filter.p99, 2)} ms (p50 ${fmt(r.filter.p50, 2)} ms; ${int(r.counts.PersistentVolumeClaim ?? 0)} PVCs)` : 'not run', pass: r ? r.filter.p99 <= 10 : undefined });
    }
  }
  const h1 = (f: HttpFile | undefined): HttpSizeResult | undefined => f?.sizes.find((r) => r.nodes === 5000 && r.connections === 1);
  for (const [label, f] of [['5,000 nodes × 50,000 PVs × 50,000 PVCs', httpBig], ['5,000 nodes × 50,000 PVs, default fixture', http]] as const) {
    const r = h1(f);
    if (f || label.includes('50,000 PVCs')) {
      out.push({ text: `HTTP filter p99 ≤ 15 ms, 1 connection (${label})`, measured: r ? `p99 ${fmt(r.latency.p99, 2)} ms (p50 ${fmt(r.latency.p50, 2)} ms)` : 'not run', pass: r ? r.latency.p99 <= 15 : undefined });
    }
  }
  const hb = h1(httpBig);
  const peak = Math.max(...(httpBig?.sizes.filter((r) => r.nodes === 5000).map((r) => r.rss.peakMB ?? 0) ?? [0]));
  out.push({
    text: 'Extender RSS ≤ 300 MB at 5,000 nodes / 50,000 PVs / 50,000 PVCs (extender process; PASS needs both the after-load RSS and the peak under 1-connection filter load ≤ 300 MB)',
    measured: hb ? `${hb.rss.afterLoadMB ?? '?'} MB after load; ${hb.rss.peakMB ?? '?'} MB peak at 1 connection; ${peak} MB peak over all connection counts` : 'not run',
    pass: hb?.rss.afterLoadMB === undefined ? undefined : hb.rss.afterLoadMB <= 300 && (hb.rss.peakMB ?? 0) <= 300,
  });
  return out;
}

/** NODE_OPTIONS as recorded in an HTTP run's server command. */
function nodeOptionsOf(h: HttpFile): string {
  const m = /^NODE_OPTIONS='([^']*)'/.exec(h.serverCommand);
  return m ? m[1] || '(V8 defaults)' : '(not recorded)';
}

/**
 * The same 50,000-PVC HTTP run under other V8 heap settings (bench/results/http-heap-*.json, made
 * with --server-node-options=…), next to the deployed one: the RSS / tail-latency trade-off.
 */
function heapSection(deployed: HttpFile | undefined, others: readonly HttpFile[]): string[] {
  const runs = [...(deployed ? [[deployed, 'deployed'] as const] : []), ...others.map((o) => [o, ''] as const)];
  if (runs.length < 2) return [];
  const out = [
    '## V8 heap settings: RSS against tail latency (5,000 nodes × 50k PVs × 50k PVCs, 1 connection)',
    '',
    '| server NODE_OPTIONS | req/s | p50 ms | p99 ms | RSS after load MB | RSS peak MB |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [h, note] of runs) {
    const r = h.sizes.find((x) => x.nodes === 5000 && x.connections === 1);
    if (!r) continue;
    out.push(`| \`${nodeOptionsOf(h)}\`${note ? ` (${note})` : ''} | ${fmt(r.requestsPerSec, 1)} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p99)} | ${r.rss.afterLoadMB ?? '–'} | ${r.rss.peakMB ?? '–'} |`);
  }
  out.push('', 'The live heap is the same in every row; V8 sizes the heap (and so RSS) from its limits. How big V8 lets the young generation grow is most of the difference: per-request garbage dies young, so a smaller semi-space means more, cheaper scavenges; an old-space cap too close to the live heap forces major GCs, which is where the p99 goes.');
  return out;
}

/** A run's results as the report compares them: the 5,000-node rows of each benchmark file. */
interface Snapshot {
  readonly engine: EngineFile | undefined;
  readonly engineBig: EngineFile | undefined;
  readonly http: HttpFile | undefined;
  readonly httpBig: HttpFile | undefined;
}

function codeOf(s: Snapshot): string {
  const c = (s.engineBig ?? s.httpBig ?? s.engine ?? s.http)?.code;
  return c ? `commit ${c.commit}` : '?';
}

/**
 * Before/after on the 5,000-node targets: bench/results/before/ holds the result files of an
 * earlier code version (copied from git, never edited), the current files are the latest runs.
 */
function beforeAfterSection(before: Snapshot, after: Snapshot): string[] {
  const rows: [string, number | undefined, number | undefined, string][] = [];
  const eng = (f: EngineFile | undefined, nodes: number): SizeResult | undefined => f?.sizes.find((r) => r.nodes === nodes);
  const web = (f: HttpFile | undefined, conns: number): HttpSizeResult | undefined => f?.sizes.find((r) => r.nodes === 5000 && r.connections === conns);
  for (const [label, pick] of [
    ['5,000 nodes × 50k PVs × 50k PVCs', (x: Snapshot) => eng(x.engineBig, 5000)],
    ['5,000 nodes × 50k PVs (default fixture)', (x: Snapshot) => eng(x.engine, 5000)],
    ['500 nodes × 5k PVs', (x: Snapshot) => eng(x.engine, 500)],
  ] as const) {
    rows.push([`engine filter p50, ${label}`, pick(before)?.filter.p50, pick(after)?.filter.p50, 'ms']);
    rows.push([`engine filter p99, ${label}`, pick(before)?.filter.p99, pick(after)?.filter.p99, 'ms']);
  }
  const heap = (x: Snapshot): number | undefined => eng(x.engineBig, 5000)?.memoryAfterLoad.heapUsedMB;
  rows.push(['engine process heap after load (store + fixture), 50k PVCs', heap(before), heap(after), 'MB']);
  for (const conns of [1, 4]) {
    const b = web(before.httpBig, conns);
    const a = web(after.httpBig, conns);
    rows.push([`HTTP filter req/s, ${conns} conn., 50k PVCs`, b?.requestsPerSec, a?.requestsPerSec, '/s']);
    rows.push([`HTTP filter p50, ${conns} conn., 50k PVCs`, b?.latency.p50, a?.latency.p50, 'ms']);
    rows.push([`HTTP filter p99, ${conns} conn., 50k PVCs`, b?.latency.p99, a?.latency.p99, 'ms']);
    rows.push([`extender RSS peak under filter load, ${conns} conn., 50k PVCs`, b?.rss.peakMB, a?.rss.peakMB, 'MB']);
  }
  const rssLoad = (x: Snapshot): number | undefined => web(x.httpBig, 1)?.rss.afterLoadMB;
  rows.push(['extender RSS right after load, 50k PVCs', rssLoad(before), rssLoad(after), 'MB']);
  const out = [
    '## Before / after (5,000 nodes)',
    '',
    `Before: bench/results/before/ (${codeOf(before)}); after: the runs above (${codeOf(after)}). Same commands and fixtures (the engine filter rows time the filter verb's engine work: \`filterPod\` before, \`filterPodVerdicts\` + rejections after, as the verb changed); both on this 2-core VM, whose run-to-run spread on these latencies is large (the same build has measured filter p50 from 2.3 to 7 ms), so read the latency rows as ranges, not exact ratios. Server flags: before \`${before.httpBig?.serverCommand ?? '?'}\`; after \`${after.httpBig?.serverCommand ?? '?'}\`.`,
    '',
    '| metric | before | after | after / before |',
    '|---|---:|---:|---:|',
  ];
  for (const [name, b, a, unit] of rows) {
    if (b === undefined && a === undefined) continue;
    const ratioText = b !== undefined && a !== undefined && b > 0 ? `${fmt(a / b, 2)}×` : '–';
    out.push(`| ${name} | ${b === undefined ? '–' : `${fmt(b, 2)} ${unit}`} | ${a === undefined ? '–' : `${fmt(a, 2)} ${unit}`} | ${ratioText} |`);
  }
  return out;
}

function main(): void {
  const f = flags();
  const engine = read(f.get('engine') ?? 'engine.json') as EngineFile | undefined;
  const http = read(f.get('http') ?? 'http.json') as HttpFile | undefined;
  const profile = read(f.get('profile') ?? 'profile.json') as ProfileFile | undefined;
  const scaling = read(f.get('scaling') ?? 'engine-scaling.json') as EngineFile | undefined;
  const serverProfile = read(f.get('server-profile') ?? 'server-profile.json') as ServerProfileFile | undefined;
  const scheduler = read(f.get('scheduler') ?? 'scheduler.json') as SchedulerFile | undefined;
  const schedulerProfile = read(f.get('scheduler-profile') ?? 'sched-extender-profile.json') as ServerProfileFile | undefined;
  /** Extra scheduler runs (order checks, repeats), rendered after the main one. */
  const schedulerExtra = (f.get('scheduler-extra') ?? 'scheduler-order.json')
    .split(',')
    .filter(Boolean)
    .map((name) => [name, read(name) as SchedulerFile | undefined] as const)
    .filter((x): x is readonly [string, SchedulerFile] => x[1] !== undefined);
  const engineBig = read(f.get('engine-pvcs') ?? 'engine-pvcs.json') as EngineFile | undefined;
  const httpBig = read(f.get('http-pvcs') ?? 'http-pvcs.json') as HttpFile | undefined;
  const heapRuns = readdirSync(RESULTS_DIR)
    .filter((n) => /^http-heap-.*\.json$/.test(n))
    .sort()
    .map((n) => read(n) as HttpFile);
  if (!engine && !http && !scheduler) throw new Error(`no results in ${RESULTS_DIR}: run bench/engine.ts, bench/http.ts and/or bench/scheduler/run.ts first`);
  const m = (engine ?? http ?? scheduler)!.machine;
  const lines: string[] = [
    '# Benchmark results',
    '',
    '<!-- Generated by `npx tsx bench/report.ts` from bench/results/*.json. Do not edit by hand. -->',
    '',
    `_Generated ${new Date().toISOString()} by \`npx tsx bench/report.ts\` from bench/results/*.json — do not edit by hand; re-run the benches and the report._`,
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${m.cpuModel}, nproc ${m.nproc} |`,
    `| Memory | ${m.memTotalGB} GiB |`,
    `| Node | ${m.node} (V8 ${m.v8}) |`,
    `| OS | ${m.platform}${m.kernel ? `, kernel ${m.kernel}` : ''} |`,
    '',
    'Load and code version of each run:',
    '',
  ];
  if (engine) lines.push(loadNote('engine', engine));
  if (http) lines.push(loadNote('http', http));
  if (engineBig) lines.push(loadNote('engine, 50,000 PVCs', engineBig));
  if (httpBig) lines.push(loadNote('http, 50,000 PVCs', httpBig));
  if (scheduler) lines.push(`- scheduler (${scheduler.startedAt} → ${scheduler.finishedAt ?? '(unfinished)'}): load average at start ${loadText(scheduler.load.atStart)}; at end ${loadText(scheduler.load.atEnd)}`);
  lines.push('', ...targetsSection([schedulerTarget(scheduler), ...latencyTargets(engine, http, engineBig, httpBig)]), '');
  lines.push('', '## Commands', '', '```sh');
  if (scheduler) lines.push(scheduler.command);
  for (const [, x] of schedulerExtra) lines.push(x.command);
  if (engineBig) lines.push(engineBig.command);
  if (httpBig) lines.push(httpBig.command);
  for (const h of heapRuns) lines.push(h.command);
  if (engine) lines.push(engine.command);
  if (http) lines.push(http.command);
  if (scaling) lines.push(scaling.command);
  if (profile) lines.push(profile.command);
  lines.push('npx tsx bench/report.ts', '```', '');
  if (http) lines.push(`Server under test (spawned by bench/http.ts): \`${http.serverCommand}\`.`, '');
  const before: Snapshot = {
    engine: read('before/engine.json') as EngineFile | undefined,
    engineBig: read('before/engine-pvcs.json') as EngineFile | undefined,
    http: read('before/http.json') as HttpFile | undefined,
    httpBig: read('before/http-pvcs.json') as HttpFile | undefined,
  };
  if (before.engineBig || before.httpBig) lines.push(...beforeAfterSection(before, { engine, engineBig, http, httpBig }), '');
  lines.push(...heapSection(httpBig, heapRuns), '');
  if (scheduler) lines.push(...schedulerSection(scheduler), '');
  for (const [name, x] of schedulerExtra) lines.push(...schedulerSection(x, `Scheduler throughput, repeat / order check (bench/results/${name})`), '');
  if (schedulerProfile) {
    const profRun = read(f.get('scheduler-profile-run') ?? 'scheduler-prof.json') as SchedulerFile | undefined;
    lines.push(
      ...serverProfileSection(
        schedulerProfile,
        'Profile: extender process during the scheduler benchmark',
        `\`node --cpu-prof\` (500 µs sampling) on the extender during \`${profRun?.command ?? 'npx tsx bench/scheduler/run.ts … --extender-cpu-prof'}\` (a separate profiling run; its throughput is not used above)`,
      ),
      '',
    );
  }
  if (engineBig) lines.push(...bigEngineSection(engineBig));
  if (httpBig) lines.push(...bigHttpSection(httpBig));
  if (engineBig || httpBig) lines.push('');
  if (engine) lines.push(...engineSection(engine), '');
  if (scaling) lines.push(...scalingSection(scaling), '');
  if (http) lines.push(...httpSection(http), '');
  if (profile) lines.push(...profileSection(profile), '');
  if (serverProfile) lines.push(...serverProfileSection(serverProfile), '');
  lines.push(...observations(engine, http, scaling, profile), '');
  const path = join(BENCH_DIR, 'RESULTS.md');
  writeFileSync(path, `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`);
  process.stdout.write(`wrote ${path}\n`);
}

main();
