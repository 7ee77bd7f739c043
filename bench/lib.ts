/** Shared helpers for the bench scripts: statistics, machine facts, GC, JSON results. */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse as parseYaml } from 'yaml';

const PACKAGE_NAME = 'volume-topology-extender';

/** The repository root: the nearest ancestor with our package.json (also from the compiled copy). */
function findRepo(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // not ours
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} checkout above ${from}`);
  }
}

export const REPO_DIR = findRepo(dirname(fileURLToPath(import.meta.url)));
export const BENCH_DIR = join(REPO_DIR, 'bench');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
/**
 * tsc output of bench/ (+ the src files it imports). Inside node_modules so bare imports resolve
 * and git ignores it; never shipped (dist/ is the package).
 */
export const BENCH_BUILD_DIR = join(REPO_DIR, 'node_modules', '.cache', 'vte-bench');

/** True when this process runs the TypeScript sources (tsx), false for the tsc-compiled copy. */
export const RUNNING_TS = import.meta.url.endsWith('.ts');

/**
 * Compiles bench/ with tsc (bench/tsconfig.bench.json → BENCH_BUILD_DIR). Timings must come from
 * tsc output, like dist/: tsx (esbuild keepNames) wraps every closure in a `__name()` call that
 * runs each time the closure is created; in a tsx profile of the 5,000-node filter, `__name` (for
 * the per-call closures of TopologyIndex.lookup) took ~19% of the time.
 * Type errors in files other engineers are editing do not stop the emit; they are reported.
 */
export function buildBench(): void {
  const tsc = join(REPO_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', join(BENCH_DIR, 'tsconfig.bench.json')], { encoding: 'utf8', timeout: 300_000 });
  mkdirSync(BENCH_BUILD_DIR, { recursive: true });
  writeFileSync(join(BENCH_BUILD_DIR, 'package.json'), '{ "type": "module", "private": true }\n');
  if (r.status !== 0) {
    process.stderr.write(`[bench] tsc reported problems (emitting anyway):\n${r.stdout}${r.stderr}`);
    if (!existsSync(compiledScript('lib.ts'))) throw new Error('bench build failed: nothing emitted');
  }
}

/** Path of a bench script's compiled copy. */
export function compiledScript(name: string): string {
  return join(BENCH_BUILD_DIR, 'bench', name.replace(/\.ts$/, '.js'));
}

export interface Stats {
  readonly samples: number;
  readonly mean: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export function stats(values: readonly number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return {
    samples: s.length,
    mean: round(sum / Math.max(1, s.length)),
    min: round(s[0] ?? Number.NaN),
    p50: round(percentile(s, 0.5)),
    p90: round(percentile(s, 0.9)),
    p99: round(percentile(s, 0.99)),
    max: round(s[s.length - 1] ?? Number.NaN),
  };
}

/** Rounds to 4 decimals (0.1 µs when in ms) to keep JSON readable. */
export function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

export const MB = 1024 * 1024;

let gcFn: (() => void) | undefined;
/** Full GC, without needing --expose-gc on the command line. */
export function forceGC(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

export interface MemorySample {
  readonly rssMB: number;
  readonly heapUsedMB: number;
  readonly heapTotalMB: number;
  readonly externalMB: number;
}

export function memory(): MemorySample {
  const m = process.memoryUsage();
  return {
    rssMB: round(m.rss / MB, 1),
    heapUsedMB: round(m.heapUsed / MB, 1),
    heapTotalMB: round(m.heapTotal / MB, 1),
    externalMB: round(m.external / MB, 1),
  };
}

export interface LoadInfo {
  readonly loadavg1: number;
  readonly loadavg5: number;
  readonly loadavg15: number;
  /** Whether a `go build` (the concurrent Kubernetes compile) was running. */
  readonly goBuildRunning: boolean;
}

export function loadInfo(): LoadInfo {
  const [l1, l5, l15] = loadavg();
  let goBuild: boolean;
  try {
    goBuild = execFileSync('pgrep', ['-f', 'go build'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    goBuild = false; // pgrep exits 1 when nothing matches
  }
  return { loadavg1: round(l1 ?? 0, 2), loadavg5: round(l5 ?? 0, 2), loadavg15: round(l15 ?? 0, 2), goBuildRunning: goBuild };
}

export interface Machine {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memTotalGB: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly kernel: string;
}

export function machine(): Machine {
  let cpuModel = 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // not Linux
  }
  let kernel: string;
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = '';
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    memTotalGB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    kernel,
  };
}

/** RSS of another process in MB, from /proc/<pid>/status (undefined once it is gone). */
export function processRssMB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? round(Number(m[1]) / 1024, 1) : undefined;
  } catch {
    return undefined;
  }
}

export interface CodeVersion {
  readonly commit: string;
  /** src/ files that differ from the commit (other engineers edit concurrently). */
  readonly dirtySrcFiles: number;
  /** sha256 (12 hex) over src/**\/*.ts paths and contents: identifies the exact code measured. */
  readonly srcHash: string;
}

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

export function codeVersion(): CodeVersion {
  const git = (args: string[]): string => {
    try {
      return execFileSync('git', args, { cwd: REPO_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const h = createHash('sha256');
  for (const f of tsFiles(join(REPO_DIR, 'src')).sort()) {
    h.update(f.slice(REPO_DIR.length));
    h.update('\0');
    h.update(readFileSync(f));
  }
  const dirty = git(['status', '--porcelain', '--', 'src']);
  return { commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown', dirtySrcFiles: dirty === '' ? 0 : dirty.split('\n').length, srcHash: h.digest('hex').slice(0, 12) };
}

export function writeResult(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, name);
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}

/** Minimal `--flag value` / `--flag` parser over process.argv (numbers where they parse). */
export function flags(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) out.set(a.slice(2), argv[++i]!);
    else out.set(a.slice(2), 'true');
  }
  return out;
}

export function numFlag(f: Map<string, string>, name: string, dflt: number): number {
  const v = f.get(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name}: "${v}" is not a number`);
  return n;
}

export function fmt(ms: number, digits = 2): string {
  return Number.isFinite(ms) ? ms.toFixed(digits) : '–';
}

/**
 * NODE_OPTIONS of the extender container in deploy/deployment.yaml: the V8 heap settings we
 * deploy with, so a benchmark measures the server as users run it. Throws if the manifest no
 * longer has them (the benchmark must not silently measure another configuration).
 */
export function deployedNodeOptions(): string {
  const manifest = parseYaml(readFileSync(join(REPO_DIR, 'deploy', 'deployment.yaml'), 'utf8')) as {
    spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } };
  };
  for (const c of manifest.spec?.template?.spec?.containers ?? []) {
    const v = c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value;
    if (v !== undefined) return v;
  }
  throw new Error('deploy/deployment.yaml: no NODE_OPTIONS in the extender container');
}

/**
 * A NODE_OPTIONS flag (`--<name>=<flags>`, with "=": the value itself starts with "--"), else the
 * deployed value. A bare flag (parsed as "true") is an error.
 */
export function nodeOptionsFlag(f: Map<string, string>, name: string): string {
  const v = f.get(name);
  if (v === 'true') throw new Error(`--${name} needs its value after "=", e.g. --${name}="--max-old-space-size=384"`);
  return v ?? deployedNodeOptions();
}
