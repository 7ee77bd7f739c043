/**
 * Pure pruning of API objects before they enter the informer caches and the ClusterStore.
 *
 * - Every kind loses `metadata.managedFields` (often 5–20 KB per object).
 * - Pods keep only what the engine reads: identity, labels/annotations, owners, deletion,
 *   spec.nodeName/volumes/schedulerName and status.phase (containers, env, status conditions…
 *   are dropped). The `kubectl.kubernetes.io/last-applied-configuration` annotation is dropped
 *   from Pods too (it repeats the whole spec).
 * - Nodes keep identity, labels and spec.unschedulable (status — with its image list — is dropped).
 * - PV/PVC/StorageClass/CSI* keep everything else: the engine reads most of their fields, and a
 *   binder may write PV/PVC updates based on these copies (managedFields omitted from an update is
 *   left unchanged by the API server, but a dropped annotation would be deleted).
 *
 * None of the functions mutate their input; unchanged sub-objects are shared with it.
 */
import type { Kind } from '../cluster/store.js';
import type { KubeObject, Node, ObjectMeta, Pod } from '../engine/types.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

function pickDefined<T extends object, K extends keyof T>(src: T, keys: readonly K[]): Pick<T, K> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
  return out as Pick<T, K>;
}

/** Removes metadata.managedFields (returns the input itself when there is none). */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata;
  if (!meta || !Object.hasOwn(meta, 'managedFields')) return obj;
  const { managedFields: _dropped, ...rest } = meta;
  return { ...obj, metadata: rest };
}

const POD_META_KEYS = ['name', 'namespace', 'uid', 'resourceVersion', 'labels', 'annotations', 'ownerReferences', 'deletionTimestamp'] as const;

function withoutLastApplied(ann: Record<string, string> | null): Record<string, string> | null {
  if (!ann || !Object.hasOwn(ann, LAST_APPLIED_ANNOTATION)) return ann;
  const { [LAST_APPLIED_ANNOTATION]: _dropped, ...rest } = ann;
  return rest;
}

export function prunePod(pod: Pod): Pod {
  const out: Pod = pickDefined(pod, ['apiVersion', 'kind']);
  if (pod.metadata) {
    const meta: ObjectMeta = pickDefined(pod.metadata, POD_META_KEYS);
    if (meta.annotations !== undefined) meta.annotations = withoutLastApplied(meta.annotations);
    out.metadata = meta;
  }
  if (pod.spec) out.spec = pickDefined(pod.spec, ['nodeName', 'volumes', 'schedulerName']);
  const phase = pod.status?.phase;
  if (phase !== undefined) out.status = { phase };
  return out;
}

export function pruneNode(node: Node): Node {
  const out: Node = pickDefined(node, ['apiVersion', 'kind']);
  if (node.metadata) out.metadata = pickDefined(node.metadata, ['name', 'uid', 'resourceVersion', 'labels']);
  if (node.spec?.unschedulable !== undefined) out.spec = { unschedulable: node.spec.unschedulable };
  return out;
}

const TYPE_META: Record<Kind, { apiVersion: string; kind: string }> = {
  Node: { apiVersion: 'v1', kind: 'Node' },
  Pod: { apiVersion: 'v1', kind: 'Pod' },
  PersistentVolume: { apiVersion: 'v1', kind: 'PersistentVolume' },
  PersistentVolumeClaim: { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  StorageClass: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' },
  CSIDriver: { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver' },
  CSIStorageCapacity: { apiVersion: 'storage.k8s.io/v1', kind: 'CSIStorageCapacity' },
  CSINode: { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode' },
};

/**
 * The pruning applied to every object of `kind` from a list or a watch event. List items come
 * without apiVersion/kind (the API server omits them inside a List); they are filled in so list
 * and watch copies look the same.
 */
export function pruneObject(kind: Kind, obj: KubeObject): KubeObject {
  let out: KubeObject;
  switch (kind) {
    case 'Pod':
      out = prunePod(obj);
      break;
    case 'Node':
      out = pruneNode(obj);
      break;
    default:
      out = stripManagedFields(obj);
  }
  if (out.apiVersion === undefined || out.kind === undefined) {
    out = { ...out, apiVersion: out.apiVersion ?? TYPE_META[kind].apiVersion, kind: out.kind ?? TYPE_META[kind].kind };
  }
  return out;
}
