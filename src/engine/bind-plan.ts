/** Pure object transforms the binder writes (R9.2 and the selected-node annotation). */
import {
  AnnBoundByController,
  AnnSelectedNode,
  type PersistentVolume,
  type PersistentVolumeClaim,
} from './types.js';

/**
 * R9.2 GetBindVolumeToClaim: the PV with a full claimRef to `pvc` and, unless it was already
 * bound to that claim, `pv.kubernetes.io/bound-by-controller: "yes"`. Returns `dirty` when
 * anything changed. Never mutates its inputs.
 */
export function bindVolumeToClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim): { pv: PersistentVolume; dirty: boolean } {
  const ref = pv.spec?.claimRef;
  const m = pvc.metadata ?? {};
  const alreadyBound = !!ref && ref.name === m.name && ref.namespace === m.namespace && (!ref.uid || ref.uid === m.uid);
  const sameRef = !!ref && ref.name === m.name && ref.namespace === m.namespace && ref.uid === m.uid;
  let dirty = false;
  const out: PersistentVolume = structuredClone(pv);
  out.spec ??= {};
  if (!sameRef) {
    out.spec.claimRef = {
      kind: 'PersistentVolumeClaim',
      apiVersion: 'v1',
      namespace: m.namespace ?? 'default',
      name: m.name ?? '',
      uid: m.uid ?? '',
      resourceVersion: m.resourceVersion ?? '',
    };
    dirty = true;
  }
  const ann = out.metadata?.annotations ?? {};
  if (!alreadyBound && !Object.hasOwn(ann, AnnBoundByController)) {
    out.metadata ??= {};
    out.metadata.annotations = { ...ann, [AnnBoundByController]: 'yes' };
    dirty = true;
  }
  return { pv: out, dirty };
}

/** A copy of the claim with `volume.kubernetes.io/selected-node` set (R9.1). */
export function withSelectedNode(pvc: PersistentVolumeClaim, node: string): PersistentVolumeClaim {
  const out: PersistentVolumeClaim = structuredClone(pvc);
  out.metadata ??= {};
  out.metadata.annotations = { ...(out.metadata.annotations ?? {}), [AnnSelectedNode]: node };
  return out;
}

/** A copy of the claim without the selected-node annotation (stale-annotation cleanup). */
export function withoutSelectedNode(pvc: PersistentVolumeClaim): PersistentVolumeClaim {
  const out: PersistentVolumeClaim = structuredClone(pvc);
  const ann = { ...(out.metadata?.annotations ?? {}) };
  delete ann[AnnSelectedNode];
  out.metadata ??= {};
  out.metadata.annotations = ann;
  return out;
}
