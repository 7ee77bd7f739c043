/**
 * In-memory stand-in for the API server + PV controller + provisioner, for binder tests.
 * Writes enforce resourceVersion preconditions (409 on mismatch) and are delivered to the
 * ClusterStore like informer events (optionally after a delay).
 */
import { ClusterStore, type Kind } from '../../src/cluster/store.js';
import type { KubeObject, PersistentVolume, PersistentVolumeClaim, Pod } from '../../src/engine/types.js';
import { ApiError, type EventSpec, type KubeWriter } from '../../src/live/api.js';

export class FakeApi implements KubeWriter {
  readonly store = new ClusterStore();
  readonly objects = new Map<string, KubeObject>();
  readonly bindings: { namespace: string; name: string; uid: string; node: string }[] = [];
  readonly events: EventSpec[] = [];
  readonly calls: string[] = [];
  #rv = 100;
  /** Run the simulated PV controller after PV/PVC writes. */
  pvController = true;
  /** Simulated provisioner: 'ok' creates a PV on the selected node; 'fail' clears selected-node; 'off' does nothing. */
  provisioner: 'ok' | 'fail' | 'off' = 'ok';
  /** Node the provisioner puts PVs on (default: the selected node). */
  provisionOnNode: string | undefined;
  /** Hook run before each write is applied (to inject races). */
  beforeWrite: ((kind: Kind, obj: KubeObject) => void) | undefined;

  key(kind: Kind, o: KubeObject): string {
    const ns = kind === 'PersistentVolumeClaim' || kind === 'Pod' ? `${o.metadata?.namespace ?? 'default'}/` : '';
    return `${kind}:${ns}${o.metadata?.name ?? ''}`;
  }

  /** Creates or overwrites an object server-side (no precondition) and informs the store. */
  put(kind: Kind, obj: KubeObject): KubeObject {
    const o = structuredClone(obj);
    o.metadata ??= {};
    o.metadata.resourceVersion = String(++this.#rv);
    this.objects.set(this.key(kind, o), o);
    this.store.upsert(kind, structuredClone(o));
    return o;
  }

  delete(kind: Kind, obj: KubeObject): void {
    this.objects.delete(this.key(kind, obj));
    this.store.remove(kind, obj);
  }

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- test helper: callers name the kind they read
  get<T extends KubeObject>(kind: Kind, namespace: string, name: string): T | undefined {
    const ns = kind === 'PersistentVolumeClaim' || kind === 'Pod' ? `${namespace}/` : '';
    return this.objects.get(`${kind}:${ns}${name}`) as T | undefined;
  }

  #update<T extends KubeObject>(kind: Kind, obj: T): T {
    this.beforeWrite?.(kind, obj);
    const cur = this.objects.get(this.key(kind, obj));
    if (!cur) throw new ApiError(404, `${kind} "${obj.metadata?.name ?? ''}" not found`, 'NotFound');
    if (cur.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
      throw new ApiError(409, `Operation cannot be fulfilled on ${kind} "${obj.metadata?.name ?? ''}": the object has been modified; please apply your changes to the latest version and try again`, 'Conflict');
    }
    return this.put(kind, obj) as T;
  }

  getPod(namespace: string, name: string): Promise<Pod | undefined> {
    this.calls.push(`getPod ${namespace}/${name}`);
    const p = this.get<Pod>('Pod', namespace, name);
    return Promise.resolve(p ? structuredClone(p) : undefined);
  }

  async replacePV(pv: PersistentVolume): Promise<PersistentVolume> {
    this.calls.push(`replacePV ${pv.metadata?.name ?? ''}`);
    const out = this.#update('PersistentVolume', pv);
    await Promise.resolve();
    if (this.pvController) this.#syncVolume(out);
    return out;
  }

  async replacePVC(pvc: PersistentVolumeClaim): Promise<PersistentVolumeClaim> {
    this.calls.push(`replacePVC ${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`);
    const out = this.#update('PersistentVolumeClaim', pvc);
    await Promise.resolve();
    setTimeout(() => {
      this.#provision(out);
    }, 5);
    return out;
  }

  bindPod(namespace: string, name: string, uid: string, node: string): Promise<void> {
    this.calls.push(`bindPod ${namespace}/${name} ${node}`);
    const pod = this.get<Pod>('Pod', namespace, name);
    if (!pod) return Promise.reject(new ApiError(404, `pods "${name}" not found`, 'NotFound'));
    if (pod.metadata?.uid !== uid) return Promise.reject(new ApiError(409, 'Precondition failed: UID in precondition', 'Conflict'));
    if (pod.spec?.nodeName) return Promise.reject(new ApiError(409, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`, 'Conflict'));
    const bound = structuredClone(pod);
    bound.spec = { ...bound.spec, nodeName: node };
    this.put('Pod', bound);
    this.bindings.push({ namespace, name, uid, node });
    return Promise.resolve();
  }

  createEvent(ev: EventSpec): Promise<void> {
    this.events.push(ev);
    return Promise.resolve();
  }

  /** PV controller: a PV whose claimRef names an unbound PVC completes the binding (R11.2). */
  #syncVolume(pv: PersistentVolume): void {
    const ref = pv.spec?.claimRef;
    if (!ref?.name) return;
    const pvc = this.get<PersistentVolumeClaim>('PersistentVolumeClaim', ref.namespace ?? 'default', ref.name);
    if (!pvc || pvc.metadata?.uid !== ref.uid || pvc.spec?.volumeName) return;
    setTimeout(() => {
      const fresh = this.get<PersistentVolumeClaim>('PersistentVolumeClaim', ref.namespace ?? 'default', ref.name!);
      if (!fresh) return;
      const c = structuredClone(fresh);
      c.spec = { ...c.spec, volumeName: pv.metadata?.name ?? '' };
      c.metadata = { ...c.metadata, annotations: { ...(c.metadata?.annotations ?? {}), 'pv.kubernetes.io/bind-completed': 'yes' } };
      c.status = { phase: 'Bound' };
      this.put('PersistentVolumeClaim', c);
      const v = structuredClone(this.get<PersistentVolume>('PersistentVolume', '', pv.metadata?.name ?? '')!);
      v.status = { phase: 'Bound' };
      this.put('PersistentVolume', v);
    }, 5);
  }

  #provision(pvc: PersistentVolumeClaim): void {
    const node = pvc.metadata?.annotations?.['volume.kubernetes.io/selected-node'];
    if (!node || this.provisioner === 'off') return;
    if (this.provisioner === 'fail') {
      const c = structuredClone(this.get<PersistentVolumeClaim>('PersistentVolumeClaim', pvc.metadata?.namespace ?? '', pvc.metadata?.name ?? '')!);
      const ann = { ...(c.metadata?.annotations ?? {}) };
      delete ann['volume.kubernetes.io/selected-node'];
      c.metadata = { ...c.metadata, annotations: ann };
      this.put('PersistentVolumeClaim', c);
      return;
    }
    const on = this.provisionOnNode ?? node;
    const name = `pvc-${pvc.metadata?.uid ?? ''}`;
    this.put('PersistentVolume', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
        accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
        storageClassName: pvc.spec?.storageClassName ?? '',
        claimRef: { namespace: pvc.metadata?.namespace ?? '', name: pvc.metadata?.name ?? '', uid: pvc.metadata?.uid ?? '' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [on] }] }] } },
      },
      status: { phase: 'Bound' },
    } as PersistentVolume);
    const c = structuredClone(this.get<PersistentVolumeClaim>('PersistentVolumeClaim', pvc.metadata?.namespace ?? '', pvc.metadata?.name ?? '')!);
    c.spec = { ...c.spec, volumeName: name };
    c.metadata = { ...c.metadata, annotations: { ...(c.metadata?.annotations ?? {}), 'pv.kubernetes.io/bind-completed': 'yes' } };
    c.status = { phase: 'Bound' };
    this.put('PersistentVolumeClaim', c);
  }
}
