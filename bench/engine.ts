/**
 * Engine benchmark: store load, filter (filterPodVerdicts against every node + the rejection of
 * each unfit one, the engine work of the filter verb; before 1a49c15 the verb, and this bench, used
 * filterPod), prioritize (filterPod + scoreNodes, as the prioritize verb does) and bind planning (the bind verb's recomputation for the
 * chosen node + the PV/PVC objects it would write) latency for synthetic clusters, plus the
 * indexed/naive ratio against a brute-force reference filter.
 *
 *   npx tsx bench/engine.ts [--sizes 500,5000] [--samples 500] [--warmup 100] [--pods 200]
 *                           [--naive-samples 200] [--naive-max-nodes 500] [--seed N] [--no-dynamic]
 *                           [--pvcs N] [--claimed-fraction F]   (store with N PVCs: see fixtures.ts)
 *                           [--runtime tsc|tsx] [--out engine.json]   (file name under bench/results/)
 *                           [--node-options="<flags>"]   (the children's NODE_OPTIONS; default: the value in
 *                                                         deploy/deployment.yaml, the heap settings we deploy with)
 *
 * Timings come from the tsc-compiled code by default (what dist/ ships): run from TypeScript, the
 * parent compiles bench/ (bench/tsconfig.bench.json) and runs the children with plain node.
 * `--runtime tsx` times the tsx-transpiled sources instead (esbuild keepNames adds overhead).
 *
 * Each size runs in a fresh child process (same node + loader flags, the deployed V8 heap flags in
 * NODE_OPTIONS: GC pauses land in the timed calls as they do in the extender), so RSS/heap after
 * load are not polluted by the previous size. The child prints one JSON line; the parent writes the JSON
 * file and prints a markdown table.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSnapshotFile } from '../src/cluster/snapshot.js';
import type { ClusterStore } from '../src/cluster/store.js';
import { bindVolumeToClaim, withSelectedNode } from '../src/engine/bind-plan.js';
import { filterPod, filterPodVerdicts, type PodDecision, rejection } from '../src/engine/filter.js';
import { scoreNodes } from '../src/engine/score.js';
import type { Pod } from '../src/engine/types.js';
import type { NodeLike } from '../src/engine/view.js';
import { defaultPolicy } from '../src/policy/policy.js';
import { claimCount, generateCluster, loadStore, viewNodeLikes, writeSnapshot } from './fixtures.js';
import {
  buildBench,
  codeVersion,
  compiledScript,
  flags,
  fmt,
  forceGC,
  loadInfo,
  type LoadInfo,
  machine,
  type MemorySample,
  memory,
  nodeOptionsFlag,
  nsToMs,
  numFlag,
  round,
  RUNNING_TS,
  type Stats,
  stats,
  writeResult,
} from './lib.js';
import { NaiveLister, naiveFilterPod, type NaiveDecision } from './naive.js';

const SELF = fileURLToPath(import.meta.url);
export const TARGET = { nodes: 5000, pvs: 50_000, p99Ms: 10 } as const;

interface SizeConfig {
  nodes: number;
  pods: number;
  samples: number;
  warmup: number;
  naiveSamples: number;
  naiveMaxNodes: number;
  seed: number;
  dynamic: boolean;
  /** Total PVCs in the store (0: only what the fixture generates by default). */
  pvcs: number;
  /** Claimed fraction of the local PVs (undefined: fixture default). */
  claimedFraction: number | undefined;
}

export interface NaiveResult {
  readonly pairs: number;
  /** Pods whose naive and indexed decisions differ (must be 0). */
  readonly mismatchedPods: number;
  readonly mismatchExample: string | undefined;
  readonly indexed: Stats;
  readonly naive: Stats;
  /** indexed p50 / naive p50 (lower is better for the index). */
  readonly ratioP50: number;
  /** sum(indexed) / sum(naive) over the same pod sequence. */
  readonly ratioTotal: number;
}

export interface SizeResult {
  readonly nodes: number;
  readonly zones: number;
  readonly racks: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly objects: number;
  readonly genMs: number;
  /** ClusterStore.upsert of every object (in-memory objects). */
  readonly loadMs: number;
  /** loadSnapshotFile of the JSON snapshot (read + JSON.parse + upserts), i.e. server startup. */
  readonly snapshotLoadMs: number;
  readonly snapshotBytes: number;
  readonly memoryBeforeLoad: MemorySample;
  /** After a full GC with the store loaded (the fixture objects are the store's objects). */
  readonly memoryAfterLoad: MemorySample;
  readonly decisionKinds: Readonly<Record<string, number>>;
  /** Mean fraction of nodes that fit, over the pod set. */
  readonly meanFitFraction: number;
  readonly filter: Stats;
  readonly filterByClaims: Readonly<Record<string, Stats>>;
  readonly prioritize: Stats;
  /**
   * Bind planning for a fitting node: filterPod(pod, [node]) + bindVolumeToClaim per static
   * binding + withSelectedNode per provision (what the bind verb computes before writing).
   * Absent in results from before it was measured.
   */
  readonly bindPlan?: Stats;
  /** Pods of the mix with at least one fitting node (the bind-planning sample). */
  readonly bindPlanPods?: number;
  readonly naive: NaiveResult | undefined;
  readonly load: { readonly before: LoadInfo; readonly after: LoadInfo };
}

function hr(): bigint {
  return process.hrtime.bigint();
}

/** The filter verb's engine work: a verdict per node and the rejection (message, codes) of each unfit one. Returns the unfit count. */
function timeFilter(pod: Pod, nodes: readonly NodeLike[], store: ClusterStore): { ms: number; unfit: number } {
  const t0 = hr();
  const d = filterPodVerdicts(pod, nodes, store);
  let unfit = 0;
  if (d.kind === 'evaluated') {
    for (const v of d.verdicts) if (v !== 0 && rejection(v).message.length > 0) unfit++;
  }
  const ms = nsToMs(hr() - t0);
  return { ms, unfit };
}

function compareDecisions(a: PodDecision, b: NaiveDecision): string | undefined {
  if (a.kind !== b.kind) return `kind ${a.kind} vs naive ${b.kind}`;
  for (let i = 0; i < a.nodes.length; i++) {
    const x = a.nodes[i]!;
    const y = b.nodes[i]!;
    const xb = x.staticBindings.map((s) => `${s.claim.key}=${s.pv.name}`).join(',');
    const xp = x.provisions.map((p) => p.claim.key).join(',');
    if (x.node !== y.node || x.fits !== y.fits || x.codes.join(',') !== y.codes.join(',') || xb !== y.bindings.join(',') || xp !== y.provisions.join(',')) {
      return `node ${x.node}: indexed fits=${x.fits} [${x.codes.join(',')}] {${xb}} {${xp}} vs naive fits=${y.fits} [${y.codes.join(',')}] {${y.bindings.join(',')}} {${y.provisions.join(',')}}`;
    }
  }
  return undefined;
}

function runSize(cfg: SizeConfig): SizeResult {
  const loadBefore = loadInfo();
  const log = (msg: string): void => {
    process.stderr.write(`[engine ${cfg.nodes}n] ${msg}\n`);
  };

  let t0 = hr();
  const fx = generateCluster({
    nodes: cfg.nodes,
    pods: cfg.pods,
    seed: cfg.seed,
    dynamic: cfg.dynamic,
    pvcs: cfg.pvcs,
    ...(cfg.claimedFraction === undefined ? {} : { claimedFraction: cfg.claimedFraction }),
  });
  const genMs = nsToMs(hr() - t0);
  forceGC();
  const memoryBeforeLoad = memory();

  t0 = hr();
  const store = loadStore(fx.objects);
  const loadMs = nsToMs(hr() - t0);
  forceGC();
  const memoryAfterLoad = memory();
  log(`generated ${fx.objects.length} objects in ${fmt(genMs, 0)} ms, store load ${fmt(loadMs, 0)} ms, rss ${memoryAfterLoad.rssMB} MB, heapUsed ${memoryAfterLoad.heapUsedMB} MB`);

  // Server startup path: JSON snapshot file → fresh store (then dropped).
  const snap = writeSnapshot(fx);
  let snapshotLoadMs: number;
  try {
    t0 = hr();
    loadSnapshotFile(snap.path);
    snapshotLoadMs = nsToMs(hr() - t0);
  } finally {
    rmSync(snap.dir, { recursive: true, force: true });
  }
  forceGC();

  const nodes = viewNodeLikes(store);
  const pods = fx.pendingPods;
  const policy = defaultPolicy().scoring;

  // One pass to describe the pod set (and warm the code).
  const decisionKinds: Record<string, number> = {};
  let fitSum = 0;
  /** A fitting node per pod (the middle one of the fitting nodes, deterministic) for bind planning. */
  const chosen: { pod: Pod; node: NodeLike }[] = [];
  for (const pod of pods) {
    const d = filterPod(pod, nodes, store);
    decisionKinds[d.kind] = (decisionKinds[d.kind] ?? 0) + 1;
    const fitting = d.nodes.filter((r) => r.fits);
    fitSum += fitting.length / nodes.length;
    const mid = fitting[Math.floor(fitting.length / 2)];
    const node = mid ? nodes.find((n) => n.name === mid.node) : undefined;
    if (d.kind === 'evaluated' && node) chosen.push({ pod, node });
  }

  let sink = 0;
  for (let i = 0; i < cfg.warmup; i++) {
    const pod = pods[i % pods.length]!;
    const d = filterPod(pod, nodes, store);
    sink += scoreNodes(pod, d, nodes, policy, store).length;
  }

  // Filter.
  const filterMs: number[] = [];
  const byClaims = new Map<number, number[]>();
  for (let i = 0; i < cfg.samples; i++) {
    const pod = pods[i % pods.length]!;
    const { ms, unfit } = timeFilter(pod, nodes, store);
    sink += unfit;
    filterMs.push(ms);
    const k = claimCount(pod);
    let list = byClaims.get(k);
    if (!list) byClaims.set(k, (list = []));
    list.push(ms);
  }
  log(`filter p50 ${fmt(stats(filterMs).p50, 3)} ms p99 ${fmt(stats(filterMs).p99, 3)} ms`);

  // Prioritize: filter + score, as the prioritize verb computes it.
  const prioMs: number[] = [];
  for (let i = 0; i < cfg.samples; i++) {
    const pod = pods[i % pods.length]!;
    const t = hr();
    const d = filterPod(pod, nodes, store);
    const scores = scoreNodes(pod, d, nodes, policy, store);
    prioMs.push(nsToMs(hr() - t));
    sink += scores.length;
  }
  log(`prioritize p50 ${fmt(stats(prioMs).p50, 3)} ms p99 ${fmt(stats(prioMs).p99, 3)} ms`);

  // Bind planning, as the bind verb does it: re-evaluate the chosen node, build the writes.
  const planMs: number[] = [];
  for (let i = 0; chosen.length > 0 && i < cfg.samples; i++) {
    const { pod, node } = chosen[i % chosen.length]!;
    const t = hr();
    const d = filterPod(pod, [node], store);
    const r = d.nodes[0];
    if (r?.fits) {
      for (const b of r.staticBindings) sink += bindVolumeToClaim(b.pv.pv, b.claim.pvc).dirty ? 1 : 0;
      for (const p of r.provisions) sink += withSelectedNode(p.claim.pvc, node.name).metadata ? 1 : 0;
    }
    planMs.push(nsToMs(hr() - t));
  }
  if (planMs.length > 0) log(`bind planning p50 ${fmt(stats(planMs).p50, 3)} ms p99 ${fmt(stats(planMs).p99, 3)} ms (${chosen.length} pods with a fitting node)`);

  let naive: NaiveResult | undefined;
  if (cfg.nodes <= cfg.naiveMaxNodes && cfg.naiveSamples > 0) {
    const lister = new NaiveLister(store);
    let mismatchedPods = 0;
    let mismatchExample: string | undefined;
    for (const pod of pods) {
      const why = compareDecisions(filterPod(pod, nodes, store), naiveFilterPod(pod, nodes, store, lister));
      if (why !== undefined) {
        mismatchedPods++;
        mismatchExample ??= `${pod.metadata?.name ?? ''}: ${why}`;
      }
    }
    // Interleaved pairs over the same pods, so both see the same machine load.
    for (let i = 0; i < Math.min(20, cfg.warmup); i++) sink += naiveFilterPod(pods[i % pods.length]!, nodes, store, lister).nodes.length;
    const idx: number[] = [];
    const nv: number[] = [];
    for (let i = 0; i < cfg.naiveSamples; i++) {
      const pod = pods[i % pods.length]!;
      // Like for like: filterPod builds per-node results, as the naive reference does.
      const t0 = hr();
      sink += filterPod(pod, nodes, store).nodes.length;
      idx.push(nsToMs(hr() - t0));
      const t = hr();
      sink += naiveFilterPod(pod, nodes, store, lister).nodes.length;
      nv.push(nsToMs(hr() - t));
    }
    const si = stats(idx);
    const sn = stats(nv);
    naive = {
      pairs: cfg.naiveSamples,
      mismatchedPods,
      mismatchExample,
      indexed: si,
      naive: sn,
      ratioP50: round(si.p50 / sn.p50, 5),
      ratioTotal: round(idx.reduce((a, b) => a + b, 0) / nv.reduce((a, b) => a + b, 0), 5),
    };
    log(`naive p50 ${fmt(sn.p50, 1)} ms vs indexed ${fmt(si.p50, 3)} ms → ratio ${naive.ratioP50} (mismatched pods: ${mismatchedPods})`);
  }
  if (sink < 0) log('unreachable');

  return {
    nodes: cfg.nodes,
    zones: fx.zones.length,
    racks: fx.racks,
    counts: fx.counts,
    objects: fx.objects.length,
    genMs: round(genMs, 1),
    loadMs: round(loadMs, 1),
    snapshotLoadMs: round(snapshotLoadMs, 1),
    snapshotBytes: snap.bytes,
    memoryBeforeLoad,
    memoryAfterLoad,
    decisionKinds,
    meanFitFraction: round(fitSum / pods.length, 4),
    filter: stats(filterMs),
    filterByClaims: Object.fromEntries([...byClaims.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), stats(v)])),
    prioritize: stats(prioMs),
    ...(planMs.length > 0 ? { bindPlan: stats(planMs) } : {}),
    bindPlanPods: chosen.length,
    naive,
    load: { before: loadBefore, after: loadInfo() },
  };
}

function markdown(results: readonly SizeResult[]): string {
  const lines = [
    '| nodes | PVs | PVCs | store load ms | snapshot load ms | RSS MB | heapUsed MB | filter p50 | p90 | p99 | max | prioritize p50 | p90 | p99 | max | bind plan p50 | p99 |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const f = r.filter;
    const p = r.prioritize;
    lines.push(
      `| ${r.nodes} | ${r.counts.PersistentVolume ?? 0} | ${r.counts.PersistentVolumeClaim ?? 0} | ${fmt(r.loadMs, 0)} | ${fmt(r.snapshotLoadMs, 0)} | ${r.memoryAfterLoad.rssMB} | ${r.memoryAfterLoad.heapUsedMB} | ` +
        `${fmt(f.p50, 3)} | ${fmt(f.p90, 3)} | ${fmt(f.p99, 3)} | ${fmt(f.max, 3)} | ${fmt(p.p50, 3)} | ${fmt(p.p90, 3)} | ${fmt(p.p99, 3)} | ${fmt(p.max, 3)} | ` +
        `${fmt(r.bindPlan?.p50 ?? NaN, 3)} | ${fmt(r.bindPlan?.p99 ?? NaN, 3)} |`,
    );
  }
  for (const r of results) {
    if (!r.naive) continue;
    const n = r.naive;
    lines.push(
      '',
      `Naive baseline at ${r.nodes} nodes (${n.pairs} interleaved pairs): indexed p50 ${fmt(n.indexed.p50, 3)} ms vs naive p50 ${fmt(n.naive.p50, 1)} ms → ` +
        `indexed/naive = ${n.ratioP50} (p50), ${n.ratioTotal} (total); decisions identical: ${n.mismatchedPods === 0 ? 'yes' : `NO (${n.mismatchedPods} pods)`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function child(f: Map<string, string>): void {
  const cfg = JSON.parse(f.get('config') ?? '{}') as SizeConfig;
  const result = runSize(cfg);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function parent(f: Map<string, string>): void {
  const sizes = (f.get('sizes') ?? '500,5000').split(',').map((s) => Number(s.trim()));
  const base: Omit<SizeConfig, 'nodes'> = {
    pods: numFlag(f, 'pods', 200),
    samples: numFlag(f, 'samples', 500),
    warmup: numFlag(f, 'warmup', 100),
    naiveSamples: numFlag(f, 'naive-samples', 200),
    naiveMaxNodes: numFlag(f, 'naive-max-nodes', 500),
    seed: numFlag(f, 'seed', 20240601),
    dynamic: f.get('no-dynamic') !== 'true',
    pvcs: numFlag(f, 'pvcs', 0),
    claimedFraction: f.has('claimed-fraction') ? numFlag(f, 'claimed-fraction', 0.2) : undefined,
  };
  const loadAtStart = loadInfo(); // before our own tsc build adds to it
  const runtime = f.get('runtime') ?? 'tsc';
  if (runtime !== 'tsc' && runtime !== 'tsx') throw new Error(`--runtime: tsc or tsx, not "${runtime}"`);
  let childCmd: string[];
  if (!RUNNING_TS) childCmd = [SELF];
  else if (runtime === 'tsx') childCmd = [...process.execArgv, SELF];
  else {
    buildBench();
    childCmd = [compiledScript('engine.ts')];
  }
  const nodeOptions = nodeOptionsFlag(f, 'node-options');
  const startedAt = new Date().toISOString();
  const code = codeVersion();
  const results: SizeResult[] = [];
  for (const nodes of sizes) {
    if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`--sizes: bad size ${nodes}`);
    const cfg: SizeConfig = { ...base, nodes };
    const r = spawnSync(process.execPath, [...childCmd, '--child', '--config', JSON.stringify(cfg)], {
      env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, nodeOptions].filter(Boolean).join(' ') },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
      timeout: 30 * 60 * 1000,
    });
    if (r.status !== 0) throw new Error(`size ${nodes}: child failed (status ${r.status ?? 'none'}, signal ${r.signal ?? 'none'})`);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    results.push(JSON.parse(last) as SizeResult);
  }
  const target = results.find((r) => r.nodes === TARGET.nodes);
  const out = {
    schema: 1,
    kind: 'engine',
    startedAt,
    finishedAt: new Date().toISOString(),
    command: `npx tsx bench/engine.ts ${process.argv.slice(2).join(' ')}`.trim(),
    runtime: RUNNING_TS && runtime === 'tsx' ? 'tsx (esbuild, keepNames)' : 'tsc-compiled JS (as dist/)',
    nodeOptions,
    code,
    machine: machine(),
    load: { atStart: loadAtStart, atEnd: loadInfo() },
    config: base,
    sizes: results,
    target: {
      text: `engine filter p99 ≤ ${TARGET.p99Ms} ms at 5,000 nodes × 50,000 PVs`,
      ...TARGET,
      measuredP99Ms: target?.filter.p99,
      pass: target === undefined ? undefined : target.filter.p99 <= TARGET.p99Ms,
    },
  };
  const written = writeResult(f.get('out') ?? 'engine.json', out);
  process.stdout.write(`\n${markdown(results)}\n`);
  if (target) process.stdout.write(`Target: ${out.target.text}: ${out.target.pass ? 'PASS' : 'MISS'} (p99 ${fmt(target.filter.p99, 3)} ms)\n`);
  process.stdout.write(`load average at start ${loadAtStart.loadavg1}, at end ${out.load.atEnd.loadavg1}\nwrote ${written}\n`);
}

const f = flags();
if (f.get('child') === 'true') child(f);
else parent(f);
