/**
 * The read-only cluster view the engine consumes. Two sources feed it (snapshot file, live
 * informers, both via ClusterStore); the engine never does I/O itself.
 */
import type { Migration } from './csi-migration.js';
import type { CompiledSelector, Labels } from './selectors.js';
import type {
  CSIDriver,
  CSIStorageCapacity,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  StorageClass,
} from './types.js';

/** A PV with the facts matching needs, precomputed once per resourceVersion. */
export interface PVEntry {
  readonly pv: PersistentVolume;
  readonly name: string;
  /** capacity.storage in bytes (0 when absent). */
  readonly capacity: number;
  /** R1.2 class: beta annotation wins, else spec.storageClassName. */
  readonly className: string;
  /** Shared by every PV with an equal nodeAffinity.required (entries.sharedPVAffinity): PVs with the same object share an index group. */
  readonly affinity: CompiledSelector;
  readonly accessModes: ReadonlySet<string>;
  /** accessModes as a bitmask (entries.accessMask). */
  readonly accessMask: number;
  /** Defaulted volumeMode (nil = Filesystem). */
  readonly volumeMode: string;
  readonly volumeAttributesClass: string;
  /** volumeKind(volumeMode, volumeAttributesClass). */
  readonly volKind: number;
  /** Available, not being deleted and unclaimed: a candidate for any claim (R5.3 b, f, i). */
  readonly eligible: boolean;
  readonly phase: string;
  readonly deleting: boolean;
  /** `namespace/name` of spec.claimRef, if any. */
  readonly claimKey: string | undefined;
  readonly claimUid: string;
  readonly labels: Labels;
  /** In-tree PV that nodes may see in its CSI form (R3.8). */
  readonly migration: Migration | undefined;
}

export interface StorageClassEntry {
  readonly sc: StorageClass;
  readonly name: string;
  readonly provisioner: string;
  /** undefined = volumeBindingMode not set (an error for delay-mode checks, R1.3). */
  readonly bindingMode: string | undefined;
  readonly allowedTopologies: CompiledSelector;
}

export interface CapacityEntry {
  readonly obj: CSIStorageCapacity;
  /** `namespace/name`: the deterministic "lister order" used to pick the first match. */
  readonly key: string;
  readonly className: string;
  /** maximumVolumeSize if set, else capacity (R5.6); undefined = no limit known. */
  readonly limit: number | undefined;
  /** capacity in bytes, for scoring (R7.3). */
  readonly capacity: number | undefined;
  readonly topology: CompiledSelector;
}

/**
 * Unclaimed PVs of one class with identical node affinity, sorted by (capacity, name). The scan
 * runs once per node and claim, so what it tests lives in one dense array: `slots[2i]` is
 * entries[i].capacity and `slots[2i+1]` packs eligibility, volume kind, access modes and "needs a
 * per-node check" (pv-index.packMeta); a PV object is only touched when it is the answer.
 */
export interface PVGroup {
  readonly entries: readonly PVEntry[];
  readonly slots: readonly number[];
}

export interface PVClassIndex {
  /** PVs of this class whose claimRef names `namespace/name` (any phase). */
  preboundTo(claimKey: string): readonly PVEntry[];
  /** Unclaimed PVs grouped by identical affinity, for groups that match `labels`; each group sorted by (capacity, name). */
  freeGroupsFor(labels: Labels): readonly PVGroup[];
  /** Every PV of the class, for explanations (slow path). */
  all(): Iterable<PVEntry>;
  readonly size: number;
}

export interface CapacityClassIndex {
  /** Capacities whose nodeTopology matches `labels`, in `key` order. */
  reachableFrom(labels: Labels): readonly CapacityEntry[];
  all(): Iterable<CapacityEntry>;
}

export interface ClusterView {
  node(name: string): Node | undefined;
  /** The node's name and labels as one object that stays the same until the Node changes (no allocation per call). */
  nodeLike(name: string): NodeLike | undefined;
  nodeNames(): readonly string[];
  pod(namespace: string, name: string): Pod | undefined;
  pvc(namespace: string, name: string): PersistentVolumeClaim | undefined;
  pv(name: string): PVEntry | undefined;
  storageClass(name: string): StorageClassEntry | undefined;
  csiDriver(name: string): CSIDriver | undefined;
  pvClass(className: string): PVClassIndex;
  capacityClass(className: string): CapacityClassIndex;
  /** Pods in `namespace` whose controller ownerReference has this uid (for spreading). */
  podsControlledBy(namespace: string, ownerUid: string): readonly Pod[];
  /** In-tree plugins the node's CSINode lists as migrated to CSI (R3.8). */
  migratedPlugins(nodeName: string): ReadonlySet<string>;
}

/** The node facts the engine needs: name and labels. */
export interface NodeLike {
  readonly name: string;
  readonly labels: Labels;
}
