/**
 * CPU profile of the engine filter at one size (V8 sampling profiler, as `node --cpu-prof`), limited
 * to the timed filter loop: generate + load the synthetic cluster, warm up, then profile
 * `--iterations` filterPodVerdicts calls (the filter verb's engine work) over the pod mix. Writes
 * bench/results/profile-<N>n.cpuprofile (open it in Chrome DevTools → Performance) and bench/results/profile.json, and prints the hottest
 * functions by self and inclusive time as file:function.
 *
 *   npx tsx bench/profile.ts [--nodes 5000] [--iterations 300] [--interval-us 100] [--runtime tsc|tsx]
 *   npx tsx bench/profile.ts --analyze some.cpuprofile [--save NAME.json]
 *       summarizes any .cpuprofile (e.g. `npx tsx bench/http.ts --server-cpu-prof` writes
 *       bench/results/server-<N>n.cpuprofile); --save writes the summary under bench/results/
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, relative } from 'node:path';
import { filterPodVerdicts, type PodVerdicts } from '../src/engine/filter.js';
import { generateCluster, loadStore, viewNodeLikes } from './fixtures.js';
import { buildBench, compiledScript, flags, numFlag, REPO_DIR, RESULTS_DIR, round, RUNNING_TS, writeResult } from './lib.js';

const verdictCount = (d: PodVerdicts): number => (d.kind === 'evaluated' ? d.verdicts.length : 0);

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotFunction {
  readonly fn: string;
  readonly selfPct: number;
  readonly totalPct: number;
  readonly selfMs: number;
}

function keyOf(cf: CallFrame): string {
  let file = cf.url.replace(/^file:\/\//, '');
  const cache = '/node_modules/.cache/vte-bench/';
  if (file.includes(cache)) file = file.slice(file.indexOf(cache) + cache.length).replace(/\.js$/, '.ts'); // compiled copy → source
  else if (file.startsWith(REPO_DIR)) file = relative(REPO_DIR, file);
  else if (file.includes('/node_modules/')) file = file.slice(file.lastIndexOf('/node_modules/') + 1);
  const fn = cf.functionName || '(anonymous)';
  return file ? `${file}:${fn}` : fn;
}

/** Self and inclusive time per file:function (recursion counted once per sample). */
export function summarize(p: CpuProfile, top = 20): { totalMs: number; samples: number; bySelf: HotFunction[]; byTotal: HotFunction[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; attribute the gap after a sample to it.
    const dt = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    const id = samples[i]!;
    const node = byId.get(id);
    if (!node) continue;
    const k = keyOf(node.callFrame);
    if (k === '(idle)' || k === '(program)' || k === '(garbage collector)') {
      if (k !== '(idle)') {
        self.set(k, (self.get(k) ?? 0) + dt);
        total.set(k, (total.get(k) ?? 0) + dt);
        all += dt;
      }
      continue;
    }
    all += dt;
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const kk = keyOf(n.callFrame);
      if (kk === '(root)' || seen.has(kk)) continue;
      seen.add(kk);
      total.set(kk, (total.get(kk) ?? 0) + dt);
    }
  }
  const row = (fn: string): HotFunction => ({
    fn,
    selfPct: round((100 * (self.get(fn) ?? 0)) / all, 1),
    totalPct: round((100 * (total.get(fn) ?? 0)) / all, 1),
    selfMs: round(self.get(fn) ?? 0, 1),
  });
  const bySelf = [...self.keys()].sort((a, b) => (self.get(b) ?? 0) - (self.get(a) ?? 0)).slice(0, top).map(row);
  const byTotal = [...total.keys()].sort((a, b) => (total.get(b) ?? 0) - (total.get(a) ?? 0)).slice(0, top).map(row);
  return { totalMs: round(all, 1), samples: samples.length, bySelf, byTotal };
}

function print(s: ReturnType<typeof summarize>): void {
  process.stdout.write(`profiled ${s.totalMs} ms, ${s.samples} samples\n\nTop self time:\n`);
  for (const h of s.bySelf) process.stdout.write(`  ${String(h.selfPct).padStart(5)}% self  ${String(h.totalPct).padStart(5)}% total  ${h.fn}\n`);
  process.stdout.write('\nTop inclusive time:\n');
  for (const h of s.byTotal) process.stdout.write(`  ${String(h.totalPct).padStart(5)}% total ${String(h.selfPct).padStart(5)}% self   ${h.fn}\n`);
}

async function main(): Promise<void> {
  const f = flags();
  const analyze = f.get('analyze');
  if (analyze) {
    const s = summarize(JSON.parse(readFileSync(analyze, 'utf8')) as CpuProfile);
    print(s);
    const save = f.get('save');
    if (save) {
      const at = writeResult(save, {
        schema: 1,
        kind: 'profile-analysis',
        at: new Date().toISOString(),
        command: `npx tsx bench/profile.ts ${process.argv.slice(2).join(' ')}`.trim(),
        cpuprofile: relative(REPO_DIR, analyze),
        ...s,
      });
      process.stdout.write(`\nwrote ${at}\n`);
    }
    return;
  }
  if (RUNNING_TS && f.get('runtime') !== 'tsx') {
    // Profile the tsc output (as dist/ ships), not tsx's transpile: re-run the compiled copy.
    buildBench();
    const r = spawnSync(process.execPath, [compiledScript('profile.ts'), ...process.argv.slice(2)], { stdio: 'inherit', timeout: 20 * 60 * 1000 });
    process.exitCode = r.status ?? 1;
    return;
  }
  const nodes = numFlag(f, 'nodes', 5000);
  const iterations = numFlag(f, 'iterations', 300);
  const fx = generateCluster({ nodes, pods: 200, seed: numFlag(f, 'seed', 20240601) });
  const store = loadStore(fx.objects);
  const nodeLikes = viewNodeLikes(store);
  const pods = fx.pendingPods;
  let sink = 0;
  for (let i = 0; i < 100; i++) sink += verdictCount(filterPodVerdicts(pods[i % pods.length]!, nodeLikes, store));

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: numFlag(f, 'interval-us', 100) });
  await session.post('Profiler.start');
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) sink += verdictCount(filterPodVerdicts(pods[i % pods.length]!, nodeLikes, store));
  const wallMs = performance.now() - t0;
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  session.disconnect();
  if (sink < 0) process.stdout.write('unreachable\n');

  const file = join(RESULTS_DIR, `profile-${nodes}n.cpuprofile`);
  writeResult(`profile-${nodes}n.cpuprofile`, profile);
  const s = summarize(profile);
  writeResult('profile.json', {
    schema: 1,
    kind: 'profile',
    at: new Date().toISOString(),
    command: `npx tsx bench/profile.ts ${process.argv.slice(2).join(' ')}`.trim(),
    runtime: RUNNING_TS ? 'tsx-transpiled sources' : 'tsc-compiled JS (as dist/)',
    nodes,
    iterations,
    meanFilterMs: round(wallMs / iterations, 3),
    cpuprofile: relative(REPO_DIR, file),
    ...s,
  });
  process.stdout.write(`${iterations} filters at ${nodes} nodes, mean ${(wallMs / iterations).toFixed(2)} ms (with profiler on)\n`);
  print(s);
  process.stdout.write(`\nwrote ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`profile failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
