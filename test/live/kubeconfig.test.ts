import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeConfigError, loadKubeConfig } from '../../src/live/kubeconfig.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vte-kc-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(opts: { server?: string; context?: string | null; contexts?: string; clusterOfContext?: string; user?: string; skipTLS?: boolean } = {}): string {
  const server = opts.server ?? 'https://api.example:6443';
  const current = opts.context === null ? '' : `current-context: ${opts.context ?? 'ctx'}\n`;
  return `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: ${server}
${opts.skipTLS ? '    insecure-skip-tls-verify: true\n' : ''}users:
- name: u1
  user:
    token: abc
contexts:
${opts.contexts ?? `- name: ctx\n  context:\n    cluster: ${opts.clusterOfContext ?? 'c1'}\n    user: ${opts.user ?? 'u1'}\n`}${current}`;
}

function write(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

/** A fake service-account mount under `root`. */
function serviceAccount(root: string, files: readonly string[] = ['token', 'ca.crt', 'namespace']): void {
  const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(sa, { recursive: true });
  for (const f of files) writeFileSync(join(sa, f), f === 'namespace' ? 'vte-system' : `${f}-content`);
}

const NO_HOME = { HOME: '/nonexistent-home-for-test' };

describe('loadKubeConfig: source selection', () => {
  it('an explicit path wins over $KUBECONFIG and in-cluster', () => {
    const a = write('a.yaml', kubeconfig({ server: 'https://a:6443' }));
    const b = write('b.yaml', kubeconfig({ server: 'https://b:6443' }));
    const r = loadKubeConfig({ kubeconfig: a, env: { ...NO_HOME, KUBECONFIG: b, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' } });
    expect(r.source).toBe('--kubeconfig');
    expect(r.server).toBe('https://a:6443');
    expect(r.path).toBe(a);
    expect(r.context).toBe('ctx');
    expect(r.kc.getCurrentCluster()?.server).toBe('https://a:6443');
    expect(r.description).toContain('https://a:6443');
    expect(r.description).toContain('context "ctx"');
    expect(r.description).toContain('--kubeconfig');
  });

  it('$KUBECONFIG: the first non-empty path of a colon list, also when KUBERNETES_SERVICE_HOST is set', () => {
    const a = write('a.yaml', kubeconfig({ server: 'https://a:6443' }));
    const b = write('b.yaml', kubeconfig({ server: 'https://b:6443' }));
    const r = loadKubeConfig({ env: { ...NO_HOME, KUBECONFIG: `:${a}:${b}`, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' } });
    expect(r.source).toBe('$KUBECONFIG');
    expect(r.server).toBe('https://a:6443');
  });

  it('in-cluster when KUBERNETES_SERVICE_HOST is set and no file is given', () => {
    serviceAccount(dir);
    const r = loadKubeConfig({ env: { ...NO_HOME, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountRoot: dir });
    expect(r.source).toBe('in-cluster');
    expect(r.server).toBe('https://10.96.0.1:443');
    const user = r.kc.getCurrentUser();
    expect(user?.authProvider).toMatchObject({ name: 'tokenFile' });
    expect(r.kc.getCurrentCluster()?.caFile).toBe(join(dir, 'var/run/secrets/kubernetes.io/serviceaccount/ca.crt'));
    expect(r.description).toContain('in-cluster');
  });

  it('in-cluster wraps IPv6 hosts in brackets and always uses https', () => {
    serviceAccount(dir);
    const r = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '8080' }, serviceAccountRoot: dir });
    expect(r.server).toBe('https://[fd00::1]:8080');
  });

  it('~/.kube/config (from env.HOME) when nothing else is configured', () => {
    write('home/.kube/config', kubeconfig({ server: 'https://home:6443' }));
    const r = loadKubeConfig({ env: { HOME: join(dir, 'home') } });
    expect(r.source).toBe('~/.kube/config');
    expect(r.server).toBe('https://home:6443');
  });
});

describe('loadKubeConfig: fails fast with a clear message', () => {
  it('no configuration at all: names every source tried, never localhost:8080', () => {
    let err: unknown;
    try {
      loadKubeConfig({ env: { HOME: join(dir, 'empty-home') } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeConfigError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/no Kubernetes configuration found/);
    expect(msg).toContain('$KUBECONFIG');
    expect(msg).toContain('KUBERNETES_SERVICE_HOST');
    expect(msg).toContain(join(dir, 'empty-home', '.kube', 'config'));
    expect(msg).not.toContain('localhost:8080');
  });

  it('a missing file names the path and where it came from', () => {
    const missing = join(dir, 'nope.yaml');
    expect(() => loadKubeConfig({ env: { ...NO_HOME, KUBECONFIG: missing } })).toThrow(new RegExp(`kubeconfig ${missing} \\(from \\$KUBECONFIG\\) cannot be loaded: ENOENT`));
  });

  it('no current-context', () => {
    const p = write('k.yaml', kubeconfig({ context: null }));
    expect(() => loadKubeConfig({ kubeconfig: p, env: NO_HOME })).toThrow(/no current-context is set/);
  });

  it('current-context not defined', () => {
    const p = write('k.yaml', kubeconfig({ context: 'other' }));
    expect(() => loadKubeConfig({ kubeconfig: p, env: NO_HOME })).toThrow(/current-context "other" is not defined/);
  });

  it('cluster of the context not defined', () => {
    const p = write('k.yaml', kubeconfig({ clusterOfContext: 'ghost' }));
    expect(() => loadKubeConfig({ kubeconfig: p, env: NO_HOME })).toThrow(/cluster "ghost" of context "ctx" is not defined/);
  });

  it('user of the context not defined', () => {
    const p = write('k.yaml', kubeconfig({ user: 'ghost' }));
    expect(() => loadKubeConfig({ kubeconfig: p, env: NO_HOME })).toThrow(/user "ghost" of context "ctx" is not defined/);
  });

  it('plain http without insecure-skip-tls-verify (client-node would refuse every request)', () => {
    const p = write('k.yaml', kubeconfig({ server: 'http://127.0.0.1:8080' }));
    expect(() => loadKubeConfig({ kubeconfig: p, env: NO_HOME })).toThrow(/plain http/);
    const ok = write('ok.yaml', kubeconfig({ server: 'http://127.0.0.1:8080', skipTLS: true }));
    expect(loadKubeConfig({ kubeconfig: ok, env: NO_HOME }).server).toBe('http://127.0.0.1:8080');
  });

  it('in-cluster without a service-account token', () => {
    serviceAccount(dir, ['ca.crt']);
    expect(() => loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountRoot: dir })).toThrow(
      /in-cluster config .*service-account token .*token is not readable/,
    );
  });

  it('in-cluster without KUBERNETES_SERVICE_PORT', () => {
    serviceAccount(dir);
    expect(() => loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, serviceAccountRoot: dir })).toThrow(/KUBERNETES_SERVICE_PORT is not set/);
  });
});
