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
  // Compare against the values a claimRef written here would carry (Go compares string fields,
  // where unset = ""), so a PV bound by this function is recognised as bound on the next call.
  const name = m.name ?? '';
  const namespace = m.namespace ?? 'default';
  const uid = m.uid ?? '';
  const sameName = !!ref && (ref.name ?? '') === name && (ref.namespace ?? '') === namespace;
  const alreadyBound = sameName && (!ref.uid || ref.uid === uid);
  const sameRef = sameName && (ref.uid ?? '') === uid;
  let dirty = false;
  const out: PersistentVolume = structuredClone(pv);
  out.spec ??= {};
  if (!sameRef) {
    out.spec.claimRef = {
      kind: 'PersistentVolumeClaim',
      apiVersion: 'v1',
      namespace,
      name,
      uid,
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
  const { [AnnSelectedNode]: _dropped, ...rest } = out.metadata?.annotations ?? {};
  out.metadata ??= {};
  out.metadata.annotations = rest;
  return out;
}
