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
import { SnapshotBinder } from './bind/snapshot-binder.js';
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
export function chooseSource(opts: { snapshot?: string | undefined; kubeconfig?: string | undefined }, env: NodeJS.ProcessEnv = process.env):
  | { kind: 'snapshot'; path: string; embedded: boolean }
  | { kind: 'live'; kubeconfig: string | undefined; why: string } {
  if (opts.snapshot) return { kind: 'snapshot', path: opts.snapshot, embedded: false };
  if (opts.kubeconfig) return { kind: 'live', kubeconfig: opts.kubeconfig, why: '--kubeconfig' };
  if (env.KUBECONFIG) return { kind: 'live', kubeconfig: env.KUBECONFIG.split(':')[0], why: '$KUBECONFIG' };
  if (env.KUBERNETES_SERVICE_HOST) return { kind: 'live', kubeconfig: undefined, why: 'in-cluster service account' };
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return { kind: 'live', kubeconfig: home, why: '~/.kube/config' };
  return { kind: 'snapshot', path: EMBEDDED_SNAPSHOT, embedded: true };
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
    },
    strict: true,
  });
  const logger = pino({ level: values['log-level'] ?? process.env.LOG_LEVEL ?? 'info', base: { app: 'volume-topology-extender' } });
  const policy = loadPolicy(values.policy);
  const port = Number(values.port ?? process.env.PORT ?? 8888);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: "${values.port ?? ''}" is not a port number`);
  const source = chooseSource(values);
  if (source.kind === 'live') {
    throw new UsageError(`live cluster mode (${source.why}) is not available in this build; pass --snapshot FILE`);
  }
  const { store, summary } = loadSnapshotFile(source.path);
  logger.info(
    { source: source.path, counts: summary.counts, ignoredKinds: summary.ignored, embedded: source.embedded },
    source.embedded
      ? 'SNAPSHOT MODE: no kubeconfig or in-cluster config found — serving the bundled example cluster (examples/cluster.yaml); binds are simulated in memory'
      : 'snapshot mode: serving decisions from a snapshot file; binds are simulated in memory',
  );
  logger.info({ policy: policy.source, scoring: policy.scoring }, 'scoring policy loaded');
  // Loaded lazily: explain and check-policy never need the HTTP stack.
  const [{ createApp }, { createMetrics }, { startServer }] = await Promise.all([import('./http/app.js'), import('./http/metrics.js'), import('./server.js')]);
  const metrics = createMetrics();
  let ready = true;
  const app = createApp({
    view: store,
    binder: new SnapshotBinder(store),
    policy: () => policy.scoring,
    logger,
    metrics,
    prefix: values.prefix ?? '/scheduler',
    ready: () => (ready ? { ready: true } : { ready: false, reason: 'shutting down' }),
  });
  await startServer({
    app,
    port,
    host: values.host ?? '0.0.0.0',
    logger,
    onShutdown: () => {
      ready = false;
    },
  });
}

function explain(argv: string[]): number {
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
  if (values.live) throw new UsageError('explain --live is not available in this build; use --snapshot FILE');
  const policy = loadPolicy(values.policy);
  const { store } = loadSnapshotFile(values.snapshot!);
  const { report, decision, pod } = explainPod(store, values.pod, policy.scoring);
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
        return explain(rest);
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
    if (e instanceof PolicyError || e instanceof SnapshotError || e instanceof UnknownPodError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

