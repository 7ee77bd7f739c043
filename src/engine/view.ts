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
 * PVs already chosen for earlier claims of the same pod on this node (R5.2, R5.3a), by name. A
 * `ReadonlySet<string>` qualifies; the filter passes a matching.PickedVolumes, which is cheaper for
 * the zero to a few names a pod ever holds.
 */
export interface ChosenVolumes {
  readonly size: number;
  has(name: string): boolean;
  /**
   * has(pv.name) for an entry the PV index returned, by identity: an index holds one entry per
   * PV and the engine does not change the view during a call, so identity and name agree. Lets
   * the scan skip reading the candidate's name (one memory access per candidate PV and node).
   */
  hasEntry?(pv: PVEntry): boolean;
}

/** What static matching asks of the free PVs for one claim (a ClaimInfo qualifies). */
export interface FreeQuery {
  /** Requested bytes; undefined counts as 0. */
  readonly request: number | undefined;
  readonly volKind: number;
  readonly accessMask: number;
  readonly accessModes: readonly string[];
  readonly selector: CompiledSelector | undefined;
}

export interface PVClassIndex {
  /** PVs of this class whose claimRef names `namespace/name` (any phase). */
  preboundTo(claimKey: string): readonly PVEntry[];
  /**
   * R5.3 over the unclaimed PVs: the smallest eligible PV (ties: lexically smallest name) whose
   * stored node affinity matches `node`, that is large enough, has the query's volume kind, offers
   * its access modes, matches its selector and is not in `chosen`.
   */
  bestFree(query: FreeQuery, node: NodeLike, chosen: ChosenVolumes): PVEntry | undefined;
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
  /**
   * nodeLike() of each name, in order. A filter call offers every node (5,000 names); the store
   * answers a list in the same order as the previous one (kube-scheduler keeps its node order)
   * from per-position hints instead of a hash lookup per name.
   */
  nodeLikes(names: readonly string[]): (NodeLike | undefined)[];
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
  /**
   * A small integer the ClusterStore gives each node it holds (reused after the node is deleted),
   * so per-node memos can live in arrays instead of maps. Answers memoized under a slot are
   * checked against `labels` (by identity), so a reused slot never sees another node's answer.
   */
  readonly slot?: number;
}
