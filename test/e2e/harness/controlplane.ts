/**
 * A real Kubernetes control plane on 127.0.0.1 for the e2e suite: etcd, kube-apiserver,
 * kube-controller-manager (PV controllers only) and kube-scheduler configured with
 * deploy/scheduler-config.yaml, plus the extender itself running as its ServiceAccount with the
 * RBAC from deploy/ — so a missing permission fails the suite. Binaries come from
 * test/e2e/controlplane/build.sh (cached outside the repo); if they cannot be built, startup
 * throws with the build output. Nothing is ever skipped.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, StorageV1Api } from '@kubernetes/client-node';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { freePort, getStatus, type Proc, startProc, waitHealthy } from './procs.js';

const run = promisify(execFile);
export const REPO = resolve(import.meta.dirname, '../../..');

export interface ControlPlaneOptions {
  /** Components to start; the default is the whole stack. */
  readonly components?: readonly ('scheduler' | 'controller-manager' | 'extender')[];
  /** Extra args for `volume-topology-extender serve`. */
  readonly extenderArgs?: readonly string[];
}

export interface ControlPlane {
  readonly dir: string;
  readonly binDir: string;
  readonly server: string;
  readonly caFile: string;
  readonly adminKubeconfig: string;
  readonly extenderKubeconfig: string | undefined;
  readonly extenderUrl: string | undefined;
  readonly schedulerMetricsUrl: string | undefined;
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly storage: StorageV1Api;
  readonly procs: ReadonlyMap<string, Proc>;
  /** Scrapes a component's /metrics (the extender's or the scheduler's). */
  metrics(which: 'extender' | 'scheduler'): Promise<string>;
  stop(): Promise<void>;
}

/** Builds (or reuses) the binaries; throws with the build log tail on failure. */
export async function buildBinaries(): Promise<string> {
  try {
    const { stdout } = await run('bash', [join(REPO, 'test/e2e/controlplane/build.sh')], { maxBuffer: 64 * 1024 * 1024, timeout: 75 * 60_000 });
    const bin = stdout.trim().split('\n').pop() ?? '';
    if (!bin) throw new Error('build.sh printed no bin directory');
    return bin;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`cannot build the e2e control plane (test/e2e/controlplane/build.sh): ${err.message}\n${(err.stderr ?? '').split('\n').slice(-40).join('\n')}`, { cause: e });
  }
}

function kubeconfigYaml(server: string, caFile: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'user', user: { token } }],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'user' } }],
    'current-context': 'e2e',
  });
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const want = new Set(opts.components ?? ['scheduler', 'controller-manager', 'extender']);
  const binDir = await buildBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'vte-e2e-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const procs = new Map<string, Proc>();
  const stopAll = async (): Promise<void> => {
    for (const name of ['kube-scheduler', 'kube-controller-manager', 'extender', 'kube-apiserver', 'etcd']) await procs.get(name)?.stop();
  };

  try {
    // ---- etcd ----
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcd = startProc('etcd', join(binDir, 'etcd'), [
      '--name=e2e',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=e2e=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ], logs);
    procs.set('etcd', etcd);
    await waitHealthy(etcd, `http://127.0.0.1:${etcdPort}/health`, 30_000);

    // ---- kube-apiserver ----
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin-uid,system:masters\n`);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const certDir = join(dir, 'certs');
    const apiserver = startProc('kube-apiserver', join(binDir, 'kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--advertise-address=127.0.0.1',
      '--endpoint-reconciler-type=none',
      `--cert-dir=${certDir}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(dir, 'sa.key')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition',
      '--enable-priority-and-fairness=false',
      '--max-requests-inflight=0',
      '--max-mutating-requests-inflight=0',
    ], logs);
    procs.set('kube-apiserver', apiserver);
    const server = `https://127.0.0.1:${apiPort}`;
    await waitHealthy(apiserver, `${server}/readyz`, 60_000);
    const caFile = join(certDir, 'apiserver.crt');
    const ca = readFileSync(caFile, 'utf8');
    const adminKubeconfig = join(dir, 'admin.kubeconfig');
    writeFileSync(adminKubeconfig, kubeconfigYaml(server, caFile, token));
    const kc = new KubeConfig();
    kc.loadFromFile(adminKubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const storage = kc.makeApiClient(StorageV1Api);

    // ---- the extender, as its own ServiceAccount with deploy/ RBAC ----
    let extenderUrl: string | undefined;
    let extenderKubeconfig: string | undefined;
    if (want.has('extender')) {
      await applyExtenderRBAC(kc);
      const sa = await core.createNamespacedServiceAccountToken({
        namespace: 'kube-system',
        name: 'volume-topology-extender',
        body: { spec: { expirationSeconds: 24 * 3600, audiences: [] } },
      });
      extenderKubeconfig = join(dir, 'extender.kubeconfig');
      writeFileSync(extenderKubeconfig, kubeconfigYaml(server, caFile, sa.status?.token ?? ''));
      const port = await freePort();
      const ext = startProc('extender', join(REPO, 'node_modules/.bin/node'), [
        join(REPO, 'dist/bin.js'),
        'serve',
        `--kubeconfig=${extenderKubeconfig}`,
        `--port=${port}`,
        '--host=127.0.0.1',
        '--log-level=info',
        ...(opts.extenderArgs ?? []),
      ], logs, { ...process.env, KUBECONFIG: '' });
      procs.set('extender', ext);
      extenderUrl = `http://127.0.0.1:${port}`;
      await waitHealthy(ext, `${extenderUrl}/readyz`, 60_000);
    }

    // ---- kube-controller-manager: PV controllers only ----
    if (want.has('controller-manager')) {
      const port = await freePort();
      const kcm = startProc('kube-controller-manager', join(binDir, 'kube-controller-manager'), [
        `--kubeconfig=${adminKubeconfig}`,
        '--controllers=persistentvolume-binder-controller,persistentvolumeclaim-protection-controller,persistentvolume-protection-controller',
        '--leader-elect=false',
        `--secure-port=${port}`,
        '--bind-address=127.0.0.1',
        '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
        '--pvclaimbinder-sync-period=2s',
        '--kube-api-qps=500',
        '--kube-api-burst=1000',
      ], logs);
      procs.set('kube-controller-manager', kcm);
      await waitHealthy(kcm, `https://127.0.0.1:${port}/healthz`, 60_000);
    }

    // ---- kube-scheduler with deploy/scheduler-config.yaml ----
    let schedulerMetricsUrl: string | undefined;
    if (want.has('scheduler')) {
      const port = await freePort();
      const cfg = schedulerConfig(adminKubeconfig, extenderUrl);
      const cfgFile = join(dir, 'scheduler-config.yaml');
      writeFileSync(cfgFile, stringify(cfg));
      const sched = startProc('kube-scheduler', join(binDir, 'kube-scheduler'), [
        `--config=${cfgFile}`,
        `--secure-port=${port}`,
        '--bind-address=127.0.0.1',
        '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
        '-v=2',
      ], logs);
      procs.set('kube-scheduler', sched);
      schedulerMetricsUrl = `https://127.0.0.1:${port}/metrics`;
      await waitHealthy(sched, `https://127.0.0.1:${port}/healthz`, 60_000);
    }

    return {
      dir,
      binDir,
      server,
      caFile,
      adminKubeconfig,
      extenderKubeconfig,
      extenderUrl,
      schedulerMetricsUrl,
      kc,
      core,
      storage,
      procs,
      async metrics(which) {
        const url = which === 'extender' ? `${extenderUrl ?? ''}/metrics` : (schedulerMetricsUrl ?? '');
        const r = await getStatus(url, which === 'scheduler' ? undefined : ca);
        return r.body;
      },
      async stop() {
        await stopAll();
        if (process.env.VTE_E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopAll();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n(e2e logs kept in ${logs})`, { cause: e });
  }
}

/** deploy/scheduler-config.yaml with only the test-plane specifics substituted. */
export function schedulerConfig(kubeconfig: string, extenderUrl: string | undefined): Record<string, unknown> {
  const cfg = parseYaml(readFileSync(join(REPO, 'deploy/scheduler-config.yaml'), 'utf8')) as {
    clientConnection: Record<string, unknown>;
    leaderElection: Record<string, unknown>;
    extenders: Record<string, unknown>[];
  };
  cfg.clientConnection = { ...cfg.clientConnection, kubeconfig, qps: 500, burst: 1000 };
  cfg.leaderElection = { leaderElect: false };
  if (extenderUrl) {
    for (const e of cfg.extenders) e.urlPrefix = `${extenderUrl}/scheduler`;
  } else {
    cfg.extenders = [];
  }
  return cfg;
}

/** Creates deploy/serviceaccount.yaml and deploy/rbac.yaml objects on the apiserver. */
export async function applyExtenderRBAC(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  for (const file of ['serviceaccount.yaml', 'rbac.yaml']) {
    for (const doc of parseAllDocuments(readFileSync(join(REPO, 'deploy', file), 'utf8'))) {
      const obj = doc.toJS() as { kind: string; metadata: { namespace?: string } };
      switch (obj.kind) {
        case 'ServiceAccount':
          await core.createNamespacedServiceAccount({ namespace: obj.metadata.namespace ?? 'default', body: obj });
          break;
        case 'ClusterRole':
          await rbac.createClusterRole({ body: obj });
          break;
        case 'ClusterRoleBinding':
          await rbac.createClusterRoleBinding({ body: obj as never });
          break;
        default:
          throw new Error(`unexpected ${obj.kind} in deploy/${file}`);
      }
    }
  }
}
