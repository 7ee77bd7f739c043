/**
 * Object builders and waits for e2e scenarios. Every scenario gets its own namespace and its own
 * nodes labelled `e2e/scenario=<id>`; its pods select that label, so scenarios never see each
 * other's nodes (kube-scheduler's NodeAffinity filter runs before the extender).
 */
import type { CoreV1Api, StorageV1Api, V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass } from '@kubernetes/client-node';

export const SCENARIO_LABEL = 'e2e/scenario';

export interface NodeSpec {
  readonly name: string;
  readonly zone?: string;
  readonly rack?: string;
}

export function nodeObject(scenario: string, n: NodeSpec): V1Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      labels: {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        [SCENARIO_LABEL]: scenario,
        ...(n.zone ? { 'topology.kubernetes.io/zone': n.zone } : {}),
        ...(n.rack ? { rack: n.rack } : {}),
      },
    },
    spec: {},
    status: {
      capacity: { cpu: '32', memory: '128Gi', pods: '250', 'ephemeral-storage': '500Gi' },
      allocatable: { cpu: '32', memory: '128Gi', pods: '250', 'ephemeral-storage': '500Gi' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'e2e fake node', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }],
    },
  };
}

export function localPV(name: string, cls: string, size: string, affinity: { key: string; values: string[] }, extra: Partial<V1PersistentVolume['spec']> = {}): V1PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: cls,
      volumeMode: 'Filesystem',
      local: { path: `/mnt/${name}` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: affinity.key, operator: 'In', values: affinity.values }] }] } },
      ...extra,
    },
  };
}

export function storageClass(name: string, provisioner: string, mode: 'WaitForFirstConsumer' | 'Immediate', extra: Partial<V1StorageClass> = {}): V1StorageClass {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, volumeBindingMode: mode, reclaimPolicy: 'Delete', ...extra };
}

export function claim(ns: string, name: string, cls: string, size: string, extra: Partial<V1PersistentVolumeClaim['spec']> = {}): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: ns },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: cls, resources: { requests: { storage: size } }, ...extra },
  };
}

export function pod(ns: string, name: string, scenario: string, claims: readonly string[], extra: { nodeSelector?: Record<string, string>; ownerUid?: string } = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      ...(extra.ownerUid
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'set', uid: extra.ownerUid, controller: true }] }
        : {}),
    },
    spec: {
      nodeSelector: { [SCENARIO_LABEL]: scenario, ...(extra.nodeSelector ?? {}) },
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
      volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })),
      terminationGracePeriodSeconds: 0,
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ''}`);
}

export class Scenario {
  constructor(
    readonly id: string,
    readonly core: CoreV1Api,
    readonly storage: StorageV1Api,
  ) {}

  get ns(): string {
    return `e2e-${this.id}`;
  }

  async setup(nodes: readonly NodeSpec[]): Promise<void> {
    await this.core.createNamespace({ body: { metadata: { name: this.ns } } });
    for (const n of nodes) await this.core.createNode({ body: nodeObject(this.id, n) });
  }

  async pv(pv: V1PersistentVolume): Promise<void> {
    await this.core.createPersistentVolume({ body: pv });
  }

  async sc(sc: V1StorageClass): Promise<void> {
    await this.storage.createStorageClass({ body: sc });
  }

  async pvc(c: V1PersistentVolumeClaim): Promise<void> {
    await this.core.createNamespacedPersistentVolumeClaim({ namespace: this.ns, body: c });
  }

  async pod(p: V1Pod): Promise<void> {
    await this.core.createNamespacedPod({ namespace: this.ns, body: p });
  }

  async readPod(name: string): Promise<V1Pod> {
    return this.core.readNamespacedPod({ namespace: this.ns, name });
  }

  async readPVC(name: string): Promise<V1PersistentVolumeClaim> {
    return this.core.readNamespacedPersistentVolumeClaim({ namespace: this.ns, name });
  }

  async readPV(name: string): Promise<V1PersistentVolume> {
    return this.core.readPersistentVolume({ name });
  }

  /** Waits until the pod has a node; returns the node name. */
  async scheduled(name: string, timeoutMs = 60_000): Promise<string> {
    return waitFor(`pod ${this.ns}/${name} to be scheduled`, async () => (await this.readPod(name)).spec?.nodeName || undefined, timeoutMs);
  }

  /** Waits until the claim is Bound; returns its PV name. */
  async bound(name: string, timeoutMs = 60_000): Promise<string> {
    return waitFor(`pvc ${this.ns}/${name} to be Bound`, async () => {
      const c = await this.readPVC(name);
      return c.status?.phase === 'Bound' ? c.spec?.volumeName : undefined;
    }, timeoutMs);
  }

  /** Waits for the pod's PodScheduled=False condition message matching `re`; returns it. */
  async unschedulable(name: string, re: RegExp, timeoutMs = 60_000): Promise<string> {
    let last = '';
    try {
      return await waitFor(`pod ${this.ns}/${name} unschedulable with ${String(re)}`, async () => {
        const p = await this.readPod(name);
        if (p.spec?.nodeName) throw new Error(`pod was scheduled to ${p.spec.nodeName}`);
        const c = p.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False');
        last = c?.message ?? '';
        return c?.message && re.test(c.message) ? c.message : undefined;
      }, timeoutMs);
    } catch (e) {
      throw new Error(`${e instanceof Error ? e.message : String(e)}; last condition message: ${JSON.stringify(last)}`, { cause: e });
    }
  }
}
