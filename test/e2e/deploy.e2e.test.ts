/**
 * deploy/ against a real kube-apiserver (and the real kube-scheduler binary's config loader):
 *   1. the ServiceAccount's effective permissions under deploy/rbac.yaml (SubjectAccessReview),
 *      both what the extender needs and what it must never be able to do;
 *   2. every manifest of deploy/kustomization.yaml passes server-side validation (dry run, strict
 *      field validation, raw manifest bytes — the typed client would silently drop unknown fields);
 *   3. deploy/scheduler-config.yaml hands volume binding to the extender safely (semantics §13, §17).
 * Only etcd, kube-apiserver and the extender run: the harness applies deploy/serviceaccount.yaml and
 * deploy/rbac.yaml and starts the extender under that identity.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AuthorizationV1Api } from '@kubernetes/client-node';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli.js';
import { type ControlPlane, REPO, startControlPlane } from './harness/controlplane.js';
import { getStatus } from './harness/procs.js';

const run = promisify(execFile);
const DEPLOY = join(REPO, 'deploy');
const SA_USER = 'system:serviceaccount:kube-system:volume-topology-extender';
const SA_GROUPS = ['system:serviceaccounts', 'system:serviceaccounts:kube-system'];

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string };
  [k: string]: unknown;
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path?: string; port?: string | number } };
  livenessProbe?: { httpGet?: { path?: string; port?: string | number } };
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; allowPrivilegeEscalation?: boolean; privileged?: boolean };
}

interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      serviceAccountName?: string;
      terminationGracePeriodSeconds?: number;
      securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
      containers: Container[];
    };
  };
}

/** Go time.Duration text ("120s", "2m0s", "1m30.5s", "500ms") → milliseconds. */
function goDurationMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };
  const re = /(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (units[m[2]!] ?? NaN);
    end = re.lastIndex;
  }
  if (end !== text.length || text.length === 0) throw new Error(`not a Go duration: "${text}"`);
  return total;
}

/** The extender's default --bind-timeout, read from the serve options in src/cli.ts. */
function defaultBindTimeoutMs(): number {
  const src = readFileSync(join(REPO, 'src/cli.ts'), 'utf8');
  const m = /'bind-timeout':\s*\{[^}]*default:\s*'([^']+)'/.exec(src);
  if (!m) throw new Error("src/cli.ts: cannot find the 'bind-timeout' option default");
  return parseDuration(m[1]!, '--bind-timeout');
}

function kustomizeResources(): { files: string[]; images: { name: string; newName?: string; newTag?: string }[] } {
  const k = parseYaml(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
  // Only the transformers applied below are supported; anything else would make this test lie.
  expect(Object.keys(k).sort()).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'resources']));
  for (const key of Object.keys(k)) expect(['apiVersion', 'kind', 'resources', 'images']).toContain(key);
  return { files: k.resources as string[], images: (k.images ?? []) as { name: string; newName?: string; newTag?: string }[] };
}

/** The objects `kubectl apply -k deploy/` would send (images transformer applied). */
function kustomizedObjects(): { file: string; obj: Obj }[] {
  const { files, images } = kustomizeResources();
  const out: { file: string; obj: Obj }[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8'))) {
      const obj = doc.toJS() as Obj | null;
      if (!obj) continue;
      const spec = obj.kind === 'Deployment' ? (obj.spec as DeploymentSpec) : undefined;
      for (const c of spec?.template.spec.containers ?? []) {
        const [name, tag] = c.image.split(':');
        const img = images.find((i) => i.name === name);
        if (img) c.image = `${img.newName ?? name ?? ''}:${img.newTag ?? tag ?? 'latest'}`;
      }
      out.push({ file, obj });
    }
  }
  return out;
}

describe('deploy/ manifests on a real apiserver', () => {
  let cp: ControlPlane | undefined;
  const plane = (): ControlPlane => {
    if (!cp) throw new Error('control plane not started');
    return cp;
  };

  /** Raw JSON request as admin (exact manifest bytes, so strict field validation sees typos). */
  function request(method: string, path: string, body?: unknown): Promise<{ code: number; json: Record<string, unknown> }> {
    const c = plane();
    const token = c.kc.getCurrentUser()?.token ?? '';
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        `${c.server}${path}`,
        {
          method,
          ca: readFileSync(c.caFile),
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json' } : {}) },
          timeout: 30_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            let json: Record<string, unknown>;
            try {
              json = JSON.parse(text) as Record<string, unknown>;
            } catch {
              json = { raw: text };
            }
            resolve({ code: res.statusCode ?? 0, json });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on('error', reject);
      if (data) req.write(data);
      req.end();
    });
  }

  /** Collection URL for an object, resolved through API discovery (so the kind must be served). */
  async function collection(obj: Obj): Promise<string> {
    const groupPath = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const disc = await request('GET', groupPath);
    expect(disc.code, `discovery ${groupPath}`).toBe(200);
    const res = (disc.json.resources as { name: string; kind: string; namespaced: boolean }[]).find((r) => r.kind === obj.kind && !r.name.includes('/'));
    if (!res) throw new Error(`${obj.apiVersion} ${obj.kind} is not served by the apiserver`);
    if (res.namespaced) {
      expect(obj.metadata.namespace, `${obj.kind}/${obj.metadata.name} must set its namespace`).toBeTruthy();
      return `${groupPath}/namespaces/${obj.metadata.namespace ?? ''}/${res.name}`;
    }
    expect(obj.metadata.namespace, `${obj.kind}/${obj.metadata.name} is cluster-scoped`).toBeUndefined();
    return `${groupPath}/${res.name}`;
  }

  beforeAll(async () => {
    cp = await startControlPlane({ components: ['extender'] });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  describe('1. RBAC: the extender ServiceAccount can do exactly what it needs', () => {
    interface Attr {
      verb: string;
      resource: string;
      group?: string;
      subresource?: string;
      namespace?: string;
    }
    const can: Attr[] = [
      ...['nodes', 'persistentvolumes'].flatMap((resource) => ['get', 'list', 'watch'].map((verb) => ({ verb, resource }))),
      // Namespaced kinds are watched across all namespaces (namespace "").
      ...['pods', 'persistentvolumeclaims'].flatMap((resource) => ['get', 'list', 'watch'].map((verb) => ({ verb, resource }))),
      ...['storageclasses', 'csidrivers', 'csinodes', 'csistoragecapacities'].flatMap((resource) =>
        ['get', 'list', 'watch'].map((verb) => ({ verb, resource, group: 'storage.k8s.io' })),
      ),
      { verb: 'update', resource: 'persistentvolumes' },
      { verb: 'update', resource: 'persistentvolumeclaims', namespace: 'default' },
      { verb: 'create', resource: 'pods', subresource: 'binding', namespace: 'default' },
      { verb: 'create', resource: 'events', namespace: 'default' },
    ];
    const cannot: Attr[] = [
      { verb: 'get', resource: 'secrets', namespace: 'kube-system' },
      { verb: 'list', resource: 'secrets' },
      { verb: 'list', resource: 'secrets', namespace: 'kube-system' },
      { verb: 'delete', resource: 'pods', namespace: 'default' },
      { verb: 'delete', resource: 'persistentvolumes' },
      { verb: 'delete', resource: 'persistentvolumeclaims', namespace: 'default' },
      { verb: 'create', resource: 'persistentvolumes' },
      { verb: 'update', resource: 'nodes' },
      { verb: 'patch', resource: 'nodes' },
      { verb: 'create', resource: 'pods', namespace: 'default' },
      { verb: 'patch', resource: 'pods', namespace: 'default' },
      { verb: 'update', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' },
      { verb: 'escalate', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' },
      { verb: 'bind', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' },
    ];
    const label = (a: Attr): string => `${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.namespace ? ` in ${a.namespace}` : ' (all namespaces / cluster)'}`;

    async function allowed(a: Attr): Promise<{ allowed: boolean; reason: string }> {
      const authz = plane().kc.makeApiClient(AuthorizationV1Api);
      const r = await authz.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: SA_USER,
            groups: SA_GROUPS,
            resourceAttributes: { verb: a.verb, resource: a.resource, group: a.group ?? '', ...(a.subresource ? { subresource: a.subresource } : {}), ...(a.namespace ? { namespace: a.namespace } : {}) },
          },
        },
      });
      return { allowed: r.status?.allowed === true, reason: r.status?.reason ?? r.status?.evaluationError ?? '' };
    }

    it.each(can.map((a) => [label(a), a] as const))('CAN %s', async (_l, a) => {
      const r = await allowed(a);
      expect(r.allowed, `${label(a)} denied: ${r.reason}`).toBe(true);
    });

    it.each(cannot.map((a) => [label(a), a] as const))('CANNOT %s', async (_l, a) => {
      const r = await allowed(a);
      expect(r.allowed, `${label(a)} allowed: ${r.reason}`).toBe(false);
    });

    it('control: another ServiceAccount of kube-system gets none of it (the grant comes from deploy/rbac.yaml, not the groups)', async () => {
      const authz = plane().kc.makeApiClient(AuthorizationV1Api);
      for (const a of can) {
        const r = await authz.createSubjectAccessReview({
          body: {
            spec: {
              user: 'system:serviceaccount:kube-system:not-the-extender',
              groups: SA_GROUPS,
              resourceAttributes: { verb: a.verb, resource: a.resource, group: a.group ?? '', ...(a.subresource ? { subresource: a.subresource } : {}), ...(a.namespace ? { namespace: a.namespace } : {}) },
            },
          },
        });
        expect(r.status?.allowed, label(a)).toBe(false);
      }
    });

    it('the extender, running as that ServiceAccount, has synced every informer (/readyz 200)', async () => {
      const r = await getStatus(`${plane().extenderUrl ?? ''}/readyz`);
      expect(r.code, r.body).toBe(200);
    });
  });

  describe('2. every kustomization resource validates server-side', () => {
    it('covers the expected kinds', () => {
      const kinds = kustomizedObjects().map(({ obj }) => obj.kind).sort();
      expect(kinds).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    });

    it('dry-run (dryRun=All, fieldValidation=Strict): create what is new, replace what the harness already created', async () => {
      for (const { file, obj } of kustomizedObjects()) {
        const coll = await collection(obj);
        const item = `${coll}/${obj.metadata.name}`;
        const before = await request('GET', item);
        const what = `${file}: ${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;
        if (before.code === 404) {
          const r = await request('POST', `${coll}?dryRun=All&fieldValidation=Strict`, obj);
          expect([200, 201], `${what}: ${JSON.stringify(r.json)}`).toContain(r.code);
          expect((r.json.metadata as { name?: string } | undefined)?.name).toBe(obj.metadata.name);
          // Dry run persisted nothing.
          expect((await request('GET', item)).code, `${what} was persisted by a dry run`).toBe(404);
          console.log(`[deploy] dry-run create ok: ${what} → HTTP ${String(r.code)}`);
        } else {
          expect(before.code, `${what}: ${JSON.stringify(before.json)}`).toBe(200);
          const rv = (before.json.metadata as { resourceVersion?: string }).resourceVersion;
          const r = await request('PUT', `${item}?dryRun=All&fieldValidation=Strict`, { ...obj, metadata: { ...obj.metadata, resourceVersion: rv } });
          expect(r.code, `${what}: ${JSON.stringify(r.json)}`).toBe(200);
          expect(((await request('GET', item)).json.metadata as { resourceVersion?: string }).resourceVersion, `${what} changed by a dry run`).toBe(rv);
          console.log(`[deploy] dry-run replace ok: ${what} → HTTP ${String(r.code)}`);
        }
      }
    });

    it('the dry run really validates: a misspelled field and a selector mismatch are rejected', async () => {
      const dep = kustomizedObjects().find(({ obj }) => obj.kind === 'Deployment')!.obj;
      const coll = await collection(dep);
      const typo = structuredClone(dep);
      (typo.spec as Record<string, unknown>).replica = 2;
      const r1 = await request('POST', `${coll}?dryRun=All&fieldValidation=Strict`, typo);
      expect(r1.code).toBe(400);
      expect(String(r1.json.message)).toMatch(/unknown field "spec\.replica"/);

      const mismatch = structuredClone(dep);
      (mismatch.spec as DeploymentSpec).selector.matchLabels = { 'app.kubernetes.io/name': 'something-else' };
      const r2 = await request('POST', `${coll}?dryRun=All&fieldValidation=Strict`, mismatch);
      expect(r2.code).toBe(422);
      expect(String(r2.json.message)).toMatch(/selector.*does not match template.*labels/);
    });

    it('Deployment: non-root, probes on /readyz and /healthz, wired to the Service, PDB and ServiceAccount', async () => {
      const objs = kustomizedObjects().map(({ obj }) => obj);
      const dep = objs.find((o) => o.kind === 'Deployment')!;
      const spec = dep.spec as DeploymentSpec;
      const pod = spec.template.spec;

      // Non-root: pod-level runAsNonRoot with a non-zero uid, never overridden per container.
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser ?? 1).toBeGreaterThan(0);
      expect(pod.containers.length).toBeGreaterThan(0);
      const c = pod.containers.find((x) => x.name === 'extender')!;
      expect(c).toBeDefined();
      for (const x of pod.containers) {
        expect(x.securityContext?.runAsNonRoot, x.name).not.toBe(false);
        expect(x.securityContext?.runAsUser ?? 1, x.name).toBeGreaterThan(0);
        expect(x.securityContext?.privileged ?? false, x.name).toBe(false);
        expect(x.securityContext?.allowPrivilegeEscalation, x.name).toBe(false);
      }

      // Probes on the extender's endpoints, via a named port that exists and matches --port.
      expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
      expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
      const portOf = (p: string | number | undefined): number | undefined => (typeof p === 'number' ? p : c.ports?.find((x) => x.name === p)?.containerPort);
      const listen = Number(/^--port=(\d+)$/.exec((c.args ?? []).find((a) => a.startsWith('--port=')) ?? '')?.[1] ?? 8888);
      expect(portOf(c.readinessProbe?.httpGet?.port)).toBe(listen);
      expect(portOf(c.livenessProbe?.httpGet?.port)).toBe(listen);
      // The running extender answers both probe paths.
      for (const path of ['/readyz', '/healthz']) {
        const r = await getStatus(`${plane().extenderUrl ?? ''}${path}`);
        expect(r.code, `${path}: ${r.body}`).toBe(200);
      }

      // Service → named container port, selecting the pods; PDB selects them and allows a rollout.
      const svc = objs.find((o) => o.kind === 'Service')! as Obj & { spec: { selector: Record<string, string>; ports: { targetPort: string | number }[] } };
      expect(spec.template.metadata.labels).toMatchObject(svc.spec.selector);
      for (const p of svc.spec.ports) expect(portOf(p.targetPort)).toBe(listen);
      const pdb = objs.find((o) => o.kind === 'PodDisruptionBudget')! as Obj & { spec: { minAvailable?: number; selector: { matchLabels: Record<string, string> } } };
      expect(spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
      expect(pdb.spec.minAvailable ?? 0).toBeLessThan(spec.replicas ?? 1);
      expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);

      // Identity: the ServiceAccount the RBAC binds.
      const sa = objs.find((o) => o.kind === 'ServiceAccount')!;
      const crb = objs.find((o) => o.kind === 'ClusterRoleBinding')! as Obj & { subjects: { kind: string; name: string; namespace?: string }[] };
      expect(pod.serviceAccountName).toBe(sa.metadata.name);
      expect(dep.metadata.namespace).toBe(sa.metadata.namespace);
      expect(crb.subjects).toContainEqual({ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace });

      // An in-flight bind can finish within the termination grace period.
      const bindArg = (c.args ?? []).find((a) => a.startsWith('--bind-timeout='));
      const bindMs = bindArg ? parseDuration(bindArg.slice('--bind-timeout='.length), '--bind-timeout') : defaultBindTimeoutMs();
      expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(bindMs);
    });
  });

  describe('3. deploy/scheduler-config.yaml', () => {
    interface Extender {
      urlPrefix?: string;
      filterVerb?: string;
      prioritizeVerb?: string;
      preemptVerb?: string;
      bindVerb?: string;
      weight?: number;
      nodeCacheCapable?: boolean;
      ignorable?: boolean;
      httpTimeout?: string;
      managedResources?: unknown[];
    }
    interface SchedulerConfig {
      apiVersion: string;
      kind: string;
      percentageOfNodesToScore?: number;
      clientConnection?: Record<string, unknown>;
      profiles: { schedulerName?: string; percentageOfNodesToScore?: number; plugins?: Record<string, { enabled?: { name: string }[]; disabled?: { name: string }[] }> }[];
      extenders: Extender[];
    }
    const load = (): SchedulerConfig => parseYaml(readFileSync(join(DEPLOY, 'scheduler-config.yaml'), 'utf8')) as SchedulerConfig;

    function checkConfig(cfg: SchedulerConfig, where: string): void {
      expect(cfg.apiVersion, where).toBe('kubescheduler.config.k8s.io/v1');
      expect(cfg.kind, where).toBe('KubeSchedulerConfiguration');
      // R14.3 / §17.2: the extender must see every feasible node.
      expect(cfg.percentageOfNodesToScore, where).toBe(100);
      expect(cfg.profiles.length, where).toBeGreaterThan(0);
      for (const p of cfg.profiles) {
        const name = `${where}: profile ${p.schedulerName ?? 'default-scheduler'}`;
        // §17.11: VolumeBinding disabled (multiPoint covers every extension point) and never re-enabled.
        expect(p.plugins?.multiPoint?.disabled?.map((d) => d.name), name).toContain('VolumeBinding');
        for (const [point, set] of Object.entries(p.plugins ?? {})) {
          expect(set.enabled?.map((e) => e.name) ?? [], `${name}: ${point}.enabled`).not.toContain('VolumeBinding');
        }
        if (p.percentageOfNodesToScore !== undefined && p.percentageOfNodesToScore !== 0) expect(p.percentageOfNodesToScore, name).toBe(100);
      }
      expect(cfg.extenders, where).toHaveLength(1);
      const e = cfg.extenders[0]!;
      expect(e.filterVerb, where).toBe('filter');
      expect(e.prioritizeVerb, where).toBe('prioritize');
      expect(e.bindVerb, where).toBe('bind');
      expect(e.preemptVerb, where).toBe('preempt');
      expect(e.nodeCacheCapable, where).toBe(true);
      expect(e.weight ?? 0, where).toBeGreaterThan(0);
      // §17.6: extenders are global; with managedResources the extender would not bind every pod.
      expect(e.managedResources ?? [], where).toEqual([]);
      expect(e.urlPrefix, where).toMatch(/\/scheduler$/);
    }

    it('disables VolumeBinding, scores 100% of nodes, one non-ignorable filter/prioritize/bind/preempt extender', () => {
      const cfg = load();
      checkConfig(cfg, 'deploy/scheduler-config.yaml');
      // §17.7: explicitly false (an ignorable binder falls back to DefaultBinder without volumes).
      expect(cfg.extenders[0]!.ignorable).toBe(false);
    });

    it('httpTimeout is strictly greater than the extender bind timeout (default and as deployed)', () => {
      const e = load().extenders[0]!;
      expect(e.httpTimeout, 'httpTimeout must be set (the 5s default is far below any bind wait)').toBeDefined();
      const http = goDurationMs(e.httpTimeout!);
      const def = defaultBindTimeoutMs();
      expect(def).toBe(100_000); // src/cli.ts default '100s'
      expect(http).toBeGreaterThan(def);
      const dep = kustomizedObjects().find(({ obj }) => obj.kind === 'Deployment')!.obj.spec as DeploymentSpec;
      for (const arg of dep.template.spec.containers.flatMap((c) => c.args ?? []).filter((a) => a.startsWith('--bind-timeout='))) {
        expect(http, arg).toBeGreaterThan(parseDuration(arg.slice('--bind-timeout='.length), '--bind-timeout'));
      }
    });

    it('the real kube-scheduler accepts it (--write-config-to) and the defaulted result keeps every setting', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vte-schedcfg-'));
      const scheduler = join(plane().binDir, 'kube-scheduler');
      const loadDefaulted = async (cfg: SchedulerConfig, name: string): Promise<SchedulerConfig> => {
        const file = join(dir, `${name}.yaml`);
        const out = join(dir, `${name}.out.yaml`);
        writeFileSync(file, stringify(cfg));
        await run(scheduler, [`--config=${file}`, `--write-config-to=${out}`, '--secure-port=0'], { timeout: 60_000 });
        return parseYaml(readFileSync(out, 'utf8')) as SchedulerConfig;
      };
      try {
        // Only the kubeconfig path is substituted (the file must exist for the loader).
        const cfg = load();
        cfg.clientConnection = { ...cfg.clientConnection, kubeconfig: plane().adminKubeconfig };
        const defaulted = await loadDefaulted(cfg, 'deploy');
        checkConfig(defaulted, 'kube-scheduler --write-config-to');
        expect(goDurationMs(defaulted.extenders[0]!.httpTimeout ?? '0s')).toBeGreaterThan(defaultBindTimeoutMs());
        expect(defaulted.extenders[0]!.ignorable ?? false).toBe(false);

        // Negative control: the loader validates (a second binder is refused).
        const bad = structuredClone(cfg);
        bad.extenders.push({ ...bad.extenders[0]!, urlPrefix: 'http://other.example/scheduler' });
        await expect(loadDefaulted(bad, 'two-binders')).rejects.toThrow(/only one extender can implement bind/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
