/**
 * Where the live source gets its cluster credentials, chosen explicitly and failing fast.
 *
 * Precedence (same as `chooseSource` in cli.ts):
 *   1. an explicit file (`--kubeconfig`),
 *   2. `$KUBECONFIG` (its first non-empty path; the rest of the list is not merged),
 *   3. in-cluster service account when `KUBERNETES_SERVICE_HOST` is set,
 *   4. `~/.kube/config` if it exists.
 *
 * client-node's own `loadFromDefault()` silently falls back to http://localhost:8080 when nothing
 * is found; we never call it. Every failure is an Error whose message says which source was tried
 * and what is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { isIPv6 } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export type KubeConfigSource = '--kubeconfig' | '$KUBECONFIG' | 'in-cluster' | '~/.kube/config';

export interface LoadKubeConfigOptions {
  /** Explicit kubeconfig path (e.g. `--kubeconfig`); wins over everything else. */
  readonly kubeconfig?: string | undefined;
  /** Environment to read (KUBECONFIG, KUBERNETES_SERVICE_HOST/PORT, HOME); injected for tests. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Prefix for the service-account mount (tests); default '' (i.e. /var/run/secrets/...). */
  readonly serviceAccountRoot?: string;
  /** Home directory used for ~/.kube/config when env.HOME is unset; default os.homedir(). */
  readonly homeDir?: string;
}

export interface LoadedKubeConfig {
  readonly kc: KubeConfig;
  readonly source: KubeConfigSource;
  /** The kubeconfig file, for file sources. */
  readonly path: string | undefined;
  readonly server: string;
  readonly context: string;
  readonly user: string;
  /** One line for logs: server, context, source. */
  readonly description: string;
}

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function errText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

export function loadKubeConfig(opts: LoadKubeConfigOptions): LoadedKubeConfig {
  const { env } = opts;
  if (opts.kubeconfig !== undefined && opts.kubeconfig !== '') return fromFile(opts.kubeconfig, '--kubeconfig');
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p !== '');
  if (fromEnv !== undefined) return fromFile(fromEnv, '$KUBECONFIG');
  if (env.KUBERNETES_SERVICE_HOST) return inCluster(env, opts.serviceAccountRoot ?? '');
  const home = env.HOME || opts.homeDir || homedir();
  const homeConfig = join(home, '.kube', 'config');
  if (existsSync(homeConfig)) return fromFile(homeConfig, '~/.kube/config');
  throw new KubeConfigError(
    `no Kubernetes configuration found: no --kubeconfig, $KUBECONFIG is unset, KUBERNETES_SERVICE_HOST is unset (not in a pod), and ${homeConfig} does not exist`,
  );
}

function fromFile(path: string, source: Exclude<KubeConfigSource, 'in-cluster'>): LoadedKubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    throw new KubeConfigError(`kubeconfig ${path} (from ${source}) cannot be loaded: ${errText(err)}`);
  }
  return validate(kc, source, path, `kubeconfig ${path} (from ${source})`);
}

function inCluster(env: LoadKubeConfigOptions['env'], saRoot: string): LoadedKubeConfig {
  const what = 'in-cluster config (KUBERNETES_SERVICE_HOST is set)';
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '';
  if (!port) throw new KubeConfigError(`${what}: KUBERNETES_SERVICE_PORT is not set`);
  for (const file of ['token', 'ca.crt']) {
    const p = `${saRoot}${SA_DIR}/${file}`;
    try {
      readFileSync(p);
    } catch (err) {
      throw new KubeConfigError(`${what}: service-account ${file} ${p} is not readable (${errText(err)}); is automountServiceAccountToken disabled?`);
    }
  }
  const kc = new KubeConfig();
  // loadFromCluster sets the CA file, the token-file authenticator (re-read periodically, so
  // projected-token rotation works) and the namespace. It reads host/port from process.env and
  // picks http for ports 80/8080/8001, which client-node then refuses without skipTLSVerify; so the
  // server URL is rebuilt from the injected env, always https (as client-go's InClusterConfig).
  kc.loadFromCluster(saRoot);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeConfigError(`${what}: client-node produced no cluster`);
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  kc.loadFromOptions({
    clusters: [{ ...cluster, server }],
    users: kc.getUsers(),
    contexts: kc.getContexts(),
    currentContext: kc.getCurrentContext(),
  });
  return validate(kc, 'in-cluster', undefined, what);
}

function validate(kc: KubeConfig, source: KubeConfigSource, path: string | undefined, what: string): LoadedKubeConfig {
  const contextName = kc.getCurrentContext();
  if (!contextName) throw new KubeConfigError(`${what}: no current-context is set`);
  const context = kc.getContextObject(contextName);
  if (!context) throw new KubeConfigError(`${what}: current-context "${contextName}" is not defined in contexts`);
  const cluster = kc.getCluster(context.cluster);
  if (!cluster) throw new KubeConfigError(`${what}: cluster "${context.cluster}" of context "${contextName}" is not defined in clusters`);
  if (!cluster.server) throw new KubeConfigError(`${what}: cluster "${cluster.name}" has no server URL`);
  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw new KubeConfigError(`${what}: cluster "${cluster.name}" server "${cluster.server}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new KubeConfigError(`${what}: cluster "${cluster.name}" server "${cluster.server}" must be http(s)`);
  }
  if (url.protocol === 'http:' && !cluster.skipTLSVerify) {
    // client-node 2.x refuses every request in this case ("HTTP protocol is not allowed when
    // skipTLSVerify is not set or false"); say so now rather than on the first list.
    throw new KubeConfigError(`${what}: cluster "${cluster.name}" server "${cluster.server}" is plain http, which client-node only allows with insecure-skip-tls-verify: true`);
  }
  if (context.user && !kc.getUser(context.user)) {
    throw new KubeConfigError(`${what}: user "${context.user}" of context "${contextName}" is not defined in users`);
  }
  const description = `${cluster.server} (context "${contextName}", cluster "${cluster.name}", user "${context.user}", from ${source}${path !== undefined ? ` ${path}` : ''})`;
  return { kc, source, path, server: cluster.server, context: contextName, user: context.user, description };
}
