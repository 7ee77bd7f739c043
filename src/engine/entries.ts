/** Pure constructors that precompute per-object facts (run once per object version). */
import { migrationOf } from './csi-migration.js';
import { Interner } from './intern.js';
import { parseQuantity } from './quantity.js';
import { type CompiledSelector, compileLabelSelectorLenient, compileNodeSelector, compileTopologyTerms, type Labels, MATCH_ALL } from './selectors.js';
import {
  BetaStorageClassAnnotation,
  type CSIStorageCapacity,
  nsName,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from './types.js';
import type { CapacityEntry, PVEntry, StorageClassEntry } from './view.js';

const ACCESS_BITS: Readonly<Record<string, number>> = { ReadWriteOnce: 1, ReadOnlyMany: 2, ReadWriteMany: 4, ReadWriteOncePod: 8 };
/** Set for any access mode outside the four known ones: matching then compares the sets. */
export const ACCESS_OTHER = 1 << 30;

/** Access modes as a bitmask, so the subset test of R5.3(m) is one AND. */
export function accessMask(modes: readonly string[] | null | undefined): number {
  let m = 0;
  for (const mode of modes ?? []) m |= ACCESS_BITS[mode] ?? ACCESS_OTHER;
  return m;
}

/** R5.3(m): the PV offers every access mode the claim asks for. */
export function offersAccessModes(pv: PVEntry, claim: { readonly accessMask: number; readonly accessModes: readonly string[] }): boolean {
  if ((pv.accessMask & claim.accessMask) !== claim.accessMask) return false;
  if ((claim.accessMask & ACCESS_OTHER) === 0) return true;
  for (const m of claim.accessModes) if (!pv.accessModes.has(m)) return false;
  return true;
}

const kinds = new Map<string, number>();
/**
 * A small integer standing for (volumeMode, volumeAttributesClassName): equal kinds are exactly
 * the pairs R5.3(d, e) accept, so matching compares one number instead of two strings.
 */
export function volumeKind(volumeMode: string, vac: string): number {
  const key = `${volumeMode}\u0000${vac}`;
  let k = kinds.get(key);
  if (k === undefined) {
    k = kinds.size + 1;
    kinds.set(key, k);
  }
  return k;
}

/** R1.2 for PVs. */
export function pvClassName(pv: PersistentVolume): string {
  const ann = pv.metadata?.annotations;
  if (ann && Object.hasOwn(ann, BetaStorageClassAnnotation)) return ann[BetaStorageClassAnnotation] ?? '';
  return pv.spec?.storageClassName ?? '';
}

/** R1.2 for PVCs. */
export function pvcClassName(pvc: PersistentVolumeClaim): string {
  const ann = pvc.metadata?.annotations;
  if (ann && Object.hasOwn(ann, BetaStorageClassAnnotation)) return ann[BetaStorageClassAnnotation] ?? '';
  return pvc.spec?.storageClassName ?? '';
}

/** Requested storage in bytes; undefined when the claim requests none. */
export function pvcRequest(pvc: PersistentVolumeClaim): number | undefined {
  const q = pvc.spec?.resources?.requests?.storage;
  if (q === undefined) return undefined;
  return parseQuantity(q) ?? 0;
}

const affinities = new Interner<CompiledSelector>();
const accessSets = new Interner<ReadonlySet<string>>();
/** The labels of an object that has none (shared, frozen). */
export const NO_LABELS: Labels = Object.freeze({});

/**
 * R3.1 node affinity of a PV, compiled once per distinct `nodeAffinity.required` and shared by
 * every PV that has it: equal affinities are the same object, which the PV index groups by.
 */
export function sharedPVAffinity(pv: PersistentVolume): CompiledSelector {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return MATCH_ALL;
  return affinities.get(JSON.stringify(required), () => compileNodeSelector(required));
}

function sharedAccessModes(modes: readonly string[] | null | undefined): ReadonlySet<string> {
  const list = modes ?? [];
  return accessSets.get(list.join('\u0000'), () => new Set(list));
}

export function toPVEntry(pv: PersistentVolume): PVEntry {
  const spec = pv.spec ?? {};
  const claimRef = spec.claimRef ?? undefined;
  return {
    pv,
    name: pv.metadata?.name ?? '',
    capacity: parseQuantity(spec.capacity?.storage) ?? 0,
    className: pvClassName(pv),
    affinity: sharedPVAffinity(pv),
    accessModes: sharedAccessModes(spec.accessModes),
    accessMask: accessMask(spec.accessModes),
    volumeMode: spec.volumeMode || 'Filesystem',
    volumeAttributesClass: spec.volumeAttributesClassName ?? '',
    volKind: volumeKind(spec.volumeMode || 'Filesystem', spec.volumeAttributesClassName ?? ''),
    eligible: (pv.status?.phase ?? '') === 'Available' && !pv.metadata?.deletionTimestamp && !claimRef,
    phase: pv.status?.phase ?? '',
    deleting: Boolean(pv.metadata?.deletionTimestamp),
    claimKey: claimRef ? nsName(claimRef.namespace, claimRef.name) : undefined,
    claimUid: claimRef?.uid ?? '',
    labels: pv.metadata?.labels ?? NO_LABELS,
    migration: migrationOf(pv),
  };
}

export function toStorageClassEntry(sc: StorageClass): StorageClassEntry {
  return {
    sc,
    name: sc.metadata?.name ?? '',
    provisioner: sc.provisioner ?? '',
    bindingMode: sc.volumeBindingMode ?? undefined,
    allowedTopologies: compileTopologyTerms(sc.allowedTopologies),
  };
}

export function toCapacityEntry(c: CSIStorageCapacity): CapacityEntry {
  const cap = c.capacity === null || c.capacity === undefined ? undefined : parseQuantity(c.capacity);
  const max = c.maximumVolumeSize === null || c.maximumVolumeSize === undefined ? undefined : parseQuantity(c.maximumVolumeSize);
  return {
    obj: c,
    key: nsName(c.metadata?.namespace, c.metadata?.name),
    className: c.storageClassName ?? '',
    limit: c.maximumVolumeSize !== null && c.maximumVolumeSize !== undefined ? max : cap,
    capacity: cap,
    topology: compileLabelSelectorLenient(c.nodeTopology),
  };
}

/** The node affinity kube-scheduler checks for this PV on a node (R3.1, with R3.8 translation). */
export function pvAffinityOn(pv: PVEntry, migrated: ReadonlySet<string>): CompiledSelector {
  return pv.migration && migrated.has(pv.migration.plugin) ? pv.migration.affinity : pv.affinity;
}
