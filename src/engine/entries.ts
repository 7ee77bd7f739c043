/** Pure constructors that precompute per-object facts (run once per object version). */
import { migrationOf } from './csi-migration.js';
import { parseQuantity } from './quantity.js';
import { type CompiledSelector, compileLabelSelectorLenient, compilePVAffinity, compileTopologyTerms } from './selectors.js';
import {
  BetaStorageClassAnnotation,
  type CSIStorageCapacity,
  nsName,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from './types.js';
import type { CapacityEntry, PVEntry, StorageClassEntry } from './view.js';

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

export function toPVEntry(pv: PersistentVolume): PVEntry {
  const spec = pv.spec ?? {};
  const claimRef = spec.claimRef ?? undefined;
  const required = spec.nodeAffinity?.required ?? null;
  return {
    pv,
    name: pv.metadata?.name ?? '',
    capacity: parseQuantity(spec.capacity?.storage) ?? 0,
    className: pvClassName(pv),
    affinity: compilePVAffinity(pv),
    affinityKey: required ? JSON.stringify(required) : '',
    accessModes: new Set(spec.accessModes ?? []),
    volumeMode: spec.volumeMode || 'Filesystem',
    volumeAttributesClass: spec.volumeAttributesClassName ?? '',
    phase: pv.status?.phase ?? '',
    deleting: Boolean(pv.metadata?.deletionTimestamp),
    claimKey: claimRef ? nsName(claimRef.namespace, claimRef.name) : undefined,
    claimUid: claimRef?.uid ?? '',
    labels: pv.metadata?.labels ?? {},
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
