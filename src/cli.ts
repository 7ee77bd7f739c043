/**
 * volume-topology-extender command line.
 *
 *   volume-topology-extender serve   [--snapshot FILE | --kubeconfig FILE] [--policy FILE] [--port 8888] ...
 *   volume-topology-extender explain (--snapshot FILE | --live [--kubeconfig FILE]) --pod NS/NAME [--policy FILE] [--output text|json]
 *   volume-topology-extender check-policy FILE
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { Binder } from './bind/binder.js';
import { SnapshotBinder } from './bind/snapshot-binder.js';
import type { ClusterStore } from './cluster/store.js';
import type { Pod } from './engine/types.js';
import type { NodeLike } from './engine/view.js';
import { EMBEDDED_SNAPSHOT, loadSnapshotFile, SnapshotError } from './cluster/snapshot.js';
import { explainPod, renderText, UnknownPodError } from './explain.js';
import { defaultPolicy, loadPolicyFile, type LoadedPolicy, PolicyError } from './policy/policy.js';

const USAGE = `Usage:
  volume-topology-extender serve [options]
      --snapshot FILE     serve decisions from a snapshot file (YAML/JSON Kubernetes objects)
      --kubeconfig FILE   serve from a live cluster (also: $KUBECONFIG, in-cluster config, ~/.kube/config)
      --policy FILE       scoring policy (policies/*.yaml); default: built-in (policies/default.yaml)
      --port N            listen port (default 8888, env PORT)
      --host ADDR         listen address (default 0.0.0.0)
      --prefix PATH       URL prefix of the extender verbs (default /scheduler)
      --log-level LEVEL   pino level (default info, env LOG_LEVEL)
    With no --snapshot and no cluster configuration, serves the bundled example cluster
    (examples/cluster.yaml).

  volume-topology-extender explain --pod NS/NAME (--snapshot FILE | --live [--kubeconfig FILE])
      [--policy FILE] [--output text|json]
    Why is this pod Pending? Per node: the claim, PV or StorageClass, and label at fault.
    Exit 0 when an answer was produced (also for an unschedulable pod).

  volume-topology-extender check-policy FILE
    Validate a policy file; prints file:line:column: field: problem for each error.
`;

class UsageError extends Error {}

function loadPolicy(path: string | undefined): LoadedPolicy {
  return path ? loadPolicyFile(path) : defaultPolicy();
}

/** Where cluster state comes from, by precedence. */
export function chooseSource(opts: { snapshot?: string | undefined; kubeconfig?: string | undefined }, env: NodeJS.ProcessEnv = process.env, home: string = homedir()):
  | { kind: 'snapshot'; path: string; embedded: boolean }
  | { kind: 'live'; kubeconfig: string | undefined; why: string } {
  if (opts.snapshot) return { kind: 'snapshot', path: opts.snapshot, embedded: false };
  if (opts.kubeconfig) return { kind: 'live', kubeconfig: opts.kubeconfig, why: '--kubeconfig' };
  if (env.KUBECONFIG) return { kind: 'live', kubeconfig: env.KUBECONFIG.split(':')[0], why: '$KUBECONFIG' };
  if (env.KUBERNETES_SERVICE_HOST) return { kind: 'live', kubeconfig: undefined, why: 'in-cluster service account' };
  const homeConfig = join(home, '.kube', 'config');
  if (existsSync(homeConfig)) return { kind: 'live', kubeconfig: homeConfig, why: '~/.kube/config' };
  return { kind: 'snapshot', path: EMBEDDED_SNAPSHOT, embedded: true };
}

/** "100s", "2m", "1500ms" or a plain number of seconds → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: "${text}" is not a duration (e.g. 100s, 2m, 1500ms)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000));
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      snapshot: { type: 'string' },
      kubeconfig: { type: 'string' },
      policy: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      prefix: { type: 'string' },
      'log-level': { type: 'string' },
      'bind-timeout': { type: 'string', default: '100s' },
      'bind-wait': { type: 'boolean', default: true },
      'clear-stale-selected-node': { type: 'boolean', default: true },
      'sync-timeout': { type: 'string', default: '120s' },
    },
    allowNegative: true,
    strict: true,
  });
  const logger = pino({
    level: values['log-level'] ?? process.env.LOG_LEVEL ?? 'info',
    base: { app: 'volume-topology-extender' },
    redact: ['req.headers.authorization', 'req.headers.cookie'],
  });
  const policy = loadPolicy(values.policy);
  const port = Number(values.port ?? process.env.PORT ?? 8888);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: "${values.port ?? ''}" is not a port number`);
  const bindTimeoutMs = parseDuration(values['bind-timeout'], '--bind-timeout');
  const syncTimeoutMs = parseDuration(values['sync-timeout'], '--sync-timeout');
  const source = chooseSource(values);

  // Loaded lazily: explain and check-policy never need the HTTP stack or the client.
  const [{ createApp }, { createMetrics }, { startServer }, { Readiness }] = await Promise.all([
    import('./http/app.js'),
    import('./http/metrics.js'),
    import('./server.js'),
    import('./http/readiness.js'),
  ]);
  const metrics = createMetrics();
  const readiness = new Readiness();
  const shutdownHooks: (() => void | Promise<void>)[] = [];
  let store: ClusterStore;
  let binder: Binder;
  let onFilterRejected: ((pod: Pod, nodes: readonly NodeLike[]) => void) | undefined;

  if (source.kind === 'snapshot') {
    const loaded = loadSnapshotFile(source.path);
    store = loaded.store;
    binder = new SnapshotBinder(store);
    logger.info(
      { source: source.path, counts: loaded.summary.counts, ignoredKinds: loaded.summary.ignored, embedded: source.embedded },
      source.embedded
        ? 'SNAPSHOT MODE: no kubeconfig or in-cluster config found — serving the bundled example cluster (examples/cluster.yaml); binds are simulated in memory'
        : 'snapshot mode: serving decisions from a snapshot file; binds are simulated in memory',
    );
  } else {
    const live = await import('./live/wire-live.js');
    const started = await live.startLive({
      kubeconfig: source.kubeconfig,
      why: source.why,
      logger,
      registry: metrics.registry,
      readiness,
      binder: { waitForBinding: values['bind-wait'], bindTimeoutMs, assumeTtlMs: bindTimeoutMs + 30_000 },
      clearStaleSelectedNode: values['clear-stale-selected-node'],
      syncTimeoutMs,
    });
    store = started.store;
    binder = started.binder;
    onFilterRejected = started.onFilterRejected;
    shutdownHooks.push(started.stop);
  }
  logger.info({ policy: policy.source, scoring: policy.scoring }, 'scoring policy loaded');
  const app = createApp({
    view: store,
    binder,
    policy: () => policy.scoring,
    logger,
    metrics,
    prefix: values.prefix ?? '/scheduler',
    ready: readiness.state,
    ...(onFilterRejected ? { onFilterRejected } : {}),
  });
  await startServer({ app, port, host: values.host ?? '0.0.0.0', logger, readiness, onShutdown: shutdownHooks });
}

async function explain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      snapshot: { type: 'string' },
      live: { type: 'boolean' },
      kubeconfig: { type: 'string' },
      pod: { type: 'string' },
      policy: { type: 'string' },
      output: { type: 'string', default: 'text' },
    },
    strict: true,
  });
  if (!values.pod) throw new UsageError('explain: --pod NAMESPACE/NAME is required');
  if (values.output !== 'text' && values.output !== 'json') throw new UsageError(`explain: --output must be text or json, not "${values.output}"`);
  if (!values.snapshot && !values.live) throw new UsageError('explain: give --snapshot FILE or --live');
  if (values.snapshot && values.live) throw new UsageError('explain: give either --snapshot FILE or --live, not both');
  const policy = loadPolicy(values.policy);
  let store: ClusterStore;
  let stop: (() => Promise<void>) | undefined;
  if (values.live) {
    const live = await import('./live/wire-live.js');
    const source = chooseSource({ kubeconfig: values.kubeconfig });
    if (source.kind !== 'live') throw new UsageError('explain --live: no cluster configuration (use --kubeconfig FILE, $KUBECONFIG or ~/.kube/config)');
    const logger = pino({ level: 'warn' }, pino.destination(2));
    const snap = await live.snapshotLive({ kubeconfig: source.kubeconfig, logger, syncTimeoutMs: 60_000 });
    store = snap.store;
    stop = snap.stop;
  } else {
    store = loadSnapshotFile(values.snapshot!).store;
  }
  let result: ReturnType<typeof explainPod>;
  try {
    result = explainPod(store, values.pod, policy.scoring);
  } finally {
    await stop?.();
  }
  const { report, decision, pod } = result;
  process.stdout.write(values.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report, decision, pod, policy.source));
  return 0;
}

function checkPolicy(argv: string[]): number {
  const file = argv[0];
  if (!file) throw new UsageError('check-policy: give the policy FILE');
  const p = loadPolicyFile(file);
  process.stdout.write(`${file}: ok (${p.description ?? 'no description'})\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'serve':
        await serve(rest);
        return 0;
      case 'explain':
        return await explain(rest);
      case 'check-policy':
        return checkPolicy(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof PolicyError || e instanceof SnapshotError || e instanceof UnknownPodError || (e instanceof Error && e.name === 'KubeConfigError')) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

