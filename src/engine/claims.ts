/**
 * PreFilter: claim validation and classification (R1.3–R1.6, R2.1–R2.4).
 */
import { accessMask, pvcClassName, pvcRequest, volumeKind } from './entries.js';
import { ErrReasonUnboundImmediate, type ReasonCode } from './reasons.js';
import { type CompiledSelector, compileLabelSelector } from './selectors.js';
import {
  AnnBindCompleted,
  AnnSelectedNode,
  type PersistentVolumeClaim,
  type Pod,
} from './types.js';
import type { ClusterView, StorageClassEntry } from './view.js';

export type ClaimKind = 'bound' | 'delay' | 'immediate';

export interface ClaimInfo {
  readonly volume: string;
  readonly name: string;
  readonly namespace: string;
  /** `namespace/name` */
  readonly key: string;
  readonly pvc: PersistentVolumeClaim;
  readonly kind: ClaimKind;
  readonly className: string;
  readonly storageClass: StorageClassEntry | undefined;
  /** Requested bytes; undefined = no request (counts as 0 for sorting and matching). */
  readonly request: number | undefined;
  readonly accessModes: readonly string[];
  readonly accessMask: number;
  readonly volumeMode: string;
  readonly volumeAttributesClass: string;
  /** volumeKind(volumeMode, volumeAttributesClass). */
  readonly volKind: number;
  readonly selector: CompiledSelector | undefined;
  /** Raw selector error, reported as an engine error when static matching runs (R5.3.1). */
  readonly selectorError: string | undefined;
  readonly selectedNode: string | undefined;
  readonly volumeName: string;
}

export interface PodClaims {
  readonly pod: Pod;
  readonly namespace: string;
  readonly claims: readonly ClaimInfo[];
  readonly bound: readonly ClaimInfo[];
  /** Unbound WaitForFirstConsumer claims, in spec.volumes order. */
  readonly delay: readonly ClaimInfo[];
  /** Delay claims carrying selected-node, in volume order (R5.1). */
  readonly delaySelected: readonly ClaimInfo[];
  /** Delay claims to match statically, by request ascending (stable; R5.2). Computed once per pod. */
  readonly delayToMatch: readonly ClaimInfo[];
  readonly immediate: readonly ClaimInfo[];
}

export type PrepareResult =
  | { readonly kind: 'skip' }
  | { readonly kind: 'unschedulable'; readonly reason: string; readonly code: ReasonCode; readonly explanation: string }
  | { readonly kind: 'error'; readonly error: string }
  | { readonly kind: 'ready'; readonly claims: PodClaims };

/** R1.4 */
export function isFullyBound(pvc: PersistentVolumeClaim): boolean {
  const ann = pvc.metadata?.annotations;
  return Boolean(pvc.spec?.volumeName) && ann !== null && ann !== undefined && Object.hasOwn(ann, AnnBindCompleted);
}

/** R1.5 */
export function ephemeralClaimName(pod: Pod, volumeName: string): string {
  return `${pod.metadata?.name ?? ''}-${volumeName}`;
}

/** Whether the pod references any PVC (plain or generic ephemeral), R1.6 / R2.1. */
export function podHasClaims(pod: Pod): boolean {
  for (const v of pod.spec?.volumes ?? []) if (v.persistentVolumeClaim || v.ephemeral) return true;
  return false;
}

/** R1.3: delay mode, or an error for a class without volumeBindingMode. */
function delayMode(className: string, sc: StorageClassEntry | undefined): boolean | { error: string } {
  if (className === '' || !sc) return false;
  if (sc.bindingMode === undefined) return { error: `VolumeBindingMode not set for StorageClass "${className}"` };
  return sc.bindingMode === 'WaitForFirstConsumer';
}

/**
 * metav1.IsControlledBy: the first ownerReference with controller=true must carry the pod's uid.
 * A missing uid compares as "" on both sides (Go's zero value), so a pod without a uid owns a
 * claim whose controller reference has an empty uid, as upstream.
 */
function ownedByPod(pod: Pod, pvc: PersistentVolumeClaim): boolean {
  const controller = (pvc.metadata?.ownerReferences ?? []).find((o) => o.controller === true);
  return controller !== undefined && (controller.uid ?? '') === (pod.metadata?.uid ?? '');
}

export function preparePod(pod: Pod, view: ClusterView): PrepareResult {
  if (!podHasClaims(pod)) return { kind: 'skip' };
  const namespace = pod.metadata?.namespace ?? 'default';
  // Pass 1 (podHasPVCs): every volume's claim must exist and be usable; first failure wins.
  const found: { volume: string; claimName: string; pvc: PersistentVolumeClaim }[] = [];
  for (const vol of pod.spec?.volumes ?? []) {
    let claimName: string;
    let ephemeral = false;
    if (vol.persistentVolumeClaim) claimName = vol.persistentVolumeClaim.claimName;
    else if (vol.ephemeral) {
      claimName = ephemeralClaimName(pod, vol.name);
      ephemeral = true;
    } else continue;

    const pvc = view.pvc(namespace, claimName);
    if (!pvc) {
      return ephemeral
        ? {
            kind: 'unschedulable',
            code: 'ephemeral_claim_pending',
            reason: `waiting for ephemeral volume controller to create the persistentvolumeclaim "${claimName}"`,
            explanation: `volume ${vol.name}: generic ephemeral claim ${namespace}/${claimName} does not exist yet (the ephemeral volume controller creates it)`,
          }
        : {
            kind: 'unschedulable',
            code: 'claim_not_found',
            reason: `persistentvolumeclaim "${claimName}" not found`,
            explanation: `volume ${vol.name}: PersistentVolumeClaim ${namespace}/${claimName} does not exist`,
          };
    }
    if (pvc.status?.phase === 'Lost') {
      const pvName = pvc.spec?.volumeName ?? '';
      return {
        kind: 'unschedulable',
        code: 'claim_lost',
        reason: `persistentvolumeclaim "${claimName}" bound to non-existent persistentvolume "${pvName}"`,
        explanation: `pvc ${claimName} is Lost: its PersistentVolume ${pvName} no longer exists`,
      };
    }
    if (pvc.metadata?.deletionTimestamp) {
      return {
        kind: 'unschedulable',
        code: 'claim_deleting',
        reason: `persistentvolumeclaim "${claimName}" is being deleted`,
        explanation: `pvc ${claimName} is being deleted (deletionTimestamp ${pvc.metadata.deletionTimestamp})`,
      };
    }
    if (ephemeral && !ownedByPod(pod, pvc)) {
      const msg = `PVC ${namespace}/${claimName} was not created for pod ${namespace}/${pod.metadata?.name ?? ''} (pod is not owner)`;
      return { kind: 'unschedulable', code: 'ephemeral_not_owned', reason: msg, explanation: msg };
    }
    found.push({ volume: vol.name, claimName, pvc });
  }

  // Pass 2 (GetPodVolumeClaims): classify.
  const claims: ClaimInfo[] = [];
  for (const { volume, claimName, pvc } of found) {
    const className = pvcClassName(pvc);
    const sc = className ? view.storageClass(className) : undefined;
    let kind: ClaimKind;
    if (isFullyBound(pvc)) kind = 'bound';
    else {
      const delay = delayMode(className, sc);
      if (typeof delay === 'object') return { kind: 'error', error: delay.error };
      kind = delay && !pvc.spec?.volumeName ? 'delay' : 'immediate';
    }

    let selector: CompiledSelector | undefined;
    let selectorError: string | undefined;
    if (pvc.spec?.selector) {
      try {
        selector = compileLabelSelector(pvc.spec.selector);
      } catch (e) {
        selectorError = `error creating internal label selector for claim: ${namespace}/${claimName}: ${(e as Error).message}`;
      }
    }
    const ann = pvc.metadata?.annotations ?? {};
    claims.push({
      volume,
      name: claimName,
      namespace,
      key: `${namespace}/${claimName}`,
      pvc,
      kind,
      className,
      storageClass: sc,
      request: pvcRequest(pvc),
      accessModes: pvc.spec?.accessModes ?? [],
      accessMask: accessMask(pvc.spec?.accessModes),
      volumeMode: pvc.spec?.volumeMode || 'Filesystem',
      volumeAttributesClass: pvc.spec?.volumeAttributesClassName ?? '',
      volKind: volumeKind(pvc.spec?.volumeMode || 'Filesystem', pvc.spec?.volumeAttributesClassName ?? ''),
      selector,
      selectorError,
      selectedNode: Object.hasOwn(ann, AnnSelectedNode) ? ann[AnnSelectedNode] : undefined,
      volumeName: pvc.spec?.volumeName ?? '',
    });
  }

  const bound = claims.filter((c) => c.kind === 'bound');
  const delay = claims.filter((c) => c.kind === 'delay');
  const immediate = claims.filter((c) => c.kind === 'immediate');
  if (immediate.length > 0) {
    const detail = immediate.map((c) => {
      if (c.volumeName) return `pvc ${c.name} is pre-bound to PV ${c.volumeName} but the PV controller has not completed the binding yet`;
      if (c.className === '') return `pvc ${c.name} has no storage class and is not bound`;
      if (!c.storageClass) return `pvc ${c.name} uses StorageClass "${c.className}", which does not exist, so it is treated as Immediate and is not bound`;
      return `pvc ${c.name} (StorageClass ${c.className}, volumeBindingMode ${c.storageClass.bindingMode ?? 'unset'}) is not bound yet`;
    });
    return { kind: 'unschedulable', code: 'unbound_immediate', reason: ErrReasonUnboundImmediate, explanation: detail.join('; ') };
  }
  const delaySelected = delay.filter((c) => c.selectedNode !== undefined);
  // Stable sort, like Go's insertion sort for the handful of claims a pod has.
  const delayToMatch = delay.filter((c) => c.selectedNode === undefined).sort((a, b) => (a.request ?? 0) - (b.request ?? 0));
  return { kind: 'ready', claims: { pod, namespace, claims, bound, delay, delaySelected, delayToMatch, immediate } };
}
