/**
 * ClusterStore: the in-memory view both sources feed (snapshot file, live informers), with the
 * indexes the engine needs and an assumption overlay (R8.2 semantics):
 * - an assumed PV/PVC replaces the informer copy for every reader and index;
 * - assume() requires the informer copy to exist with the same resourceVersion;
 * - any informer event for that object with a different resourceVersion (or a delete) drops the
 *   assumption; restore() drops it explicitly.
 */
import { MigratedPluginsAnnotation, NO_MIGRATED_PLUGINS, parseMigratedPlugins } from '../engine/csi-migration.js';
import { NO_LABELS, toCapacityEntry, toPVEntry, toStorageClassEntry } from '../engine/entries.js';
import { EMPTY_CAPACITY_CLASS, EMPTY_PV_CLASS, MutableCapacityClassIndex, MutablePVClassIndex } from '../engine/pv-index.js';
import type {
  CSIDriver,
  CSINode,
  KubeObject,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
} from '../engine/types.js';
import type { CapacityClassIndex, CapacityEntry, ClusterView, NodeLike, PVClassIndex, PVEntry, StorageClassEntry } from '../engine/view.js';
import { shareParts } from './shared-subtrees.js';

export type Kind = 'Node' | 'Pod' | 'PersistentVolume' | 'PersistentVolumeClaim' | 'StorageClass' | 'CSIDriver' | 'CSIStorageCapacity' | 'CSINode';
export const KINDS: readonly Kind[] = ['Node', 'Pod', 'PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'CSIDriver', 'CSIStorageCapacity', 'CSINode'];
const NAMESPACED: ReadonlySet<Kind> = new Set<Kind>(['Pod', 'PersistentVolumeClaim', 'CSIStorageCapacity']);

export function isKind(k: unknown): k is Kind {
  return typeof k === 'string' && (KINDS as readonly string[]).includes(k);
}

export function objectKey(kind: Kind, obj: KubeObject): string {
  const name = obj.metadata?.name ?? '';
  return NAMESPACED.has(kind) ? `${obj.metadata?.namespace ?? 'default'}/${name}` : name;
}

/** Called after a change with the object's kind and key (`objectKey`: name, or namespace/name). */
export type StoreListener = (kind: Kind, key: string) => void;

export class OutOfSyncError extends Error {
  override readonly name = 'OutOfSyncError';
}

function rv(o: KubeObject | undefined): string {
  return o?.metadata?.resourceVersion ?? '';
}

function controllerUid(pod: Pod): string | undefined {
  return (pod.metadata?.ownerReferences ?? []).find((o) => o.controller === true)?.uid;
}

export class ClusterStore implements ClusterView {
  readonly #nodes = new Map<string, Node>();
  /** name + labels per node, built once per Node version (the filter hot path resolves names here). */
  readonly #nodeLikes = new Map<string, NodeLike>();
  /** NodeLike.slot of each node (the engine's per-node array memos); freed slots are reused. */
  readonly #nodeSlots = new Map<string, number>();
  readonly #freeNodeSlots: number[] = [];
  /** The current NodeLike by slot (undefined for a free slot). */
  readonly #slotNodes: (NodeLike | undefined)[] = [];
  /** nodeLikes(): the slot found at each list position last time (-1: none). */
  #positionHints = new Int32Array(0);
  #nodeNames: string[] | undefined;
  readonly #pods = new Map<string, Pod>();
  readonly #podsByController = new Map<string, Set<string>>();
  readonly #apiPVCs = new Map<string, PersistentVolumeClaim>();
  readonly #assumedPVCs = new Map<string, PersistentVolumeClaim>();
  readonly #apiPVs = new Map<string, PersistentVolume>();
  readonly #assumedPVs = new Map<string, PersistentVolume>();
  readonly #pvEntries = new Map<string, PVEntry>();
  readonly #pvByClass = new Map<string, MutablePVClassIndex>();
  readonly #classes = new Map<string, StorageClassEntry>();
  readonly #drivers = new Map<string, CSIDriver>();
  readonly #csiNodes = new Map<string, CSINode>();
  readonly #migrated = new Map<string, ReadonlySet<string>>();
  readonly #capacities = new Map<string, CapacityEntry>();
  readonly #capByClass = new Map<string, MutableCapacityClassIndex>();
  readonly #listeners = new Set<StoreListener>();
  /** When each assumption was made (ms, caller's clock), for the TTL safety net. */
  readonly #assumedAt = new Map<string, number>();

  /** Registers a listener called after every change (informer event or assumption). */
  subscribe(fn: StoreListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #changed(kind: Kind, key: string): void {
    for (const fn of this.#listeners) fn(kind, key);
  }

  // ---- ClusterView ----------------------------------------------------------------------

  node(name: string): Node | undefined {
    return this.#nodes.get(name);
  }

  nodeLike(name: string): NodeLike | undefined {
    return this.#nodeLikes.get(name);
  }

  nodeLikes(names: readonly string[]): (NodeLike | undefined)[] {
    if (this.#positionHints.length < names.length) {
      const hints = new Int32Array(names.length).fill(-1);
      hints.set(this.#positionHints);
      this.#positionHints = hints;
    }
    const hints = this.#positionHints;
    const out = new Array<NodeLike | undefined>(names.length);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const hint = hints[i]!;
      let n = hint >= 0 ? this.#slotNodes[hint] : undefined;
      if (n?.name !== name) {
        n = this.#nodeLikes.get(name);
        hints[i] = n?.slot ?? -1;
      }
      out[i] = n;
    }
    return out;
  }

  nodeNames(): readonly string[] {
    this.#nodeNames ??= [...this.#nodes.keys()].sort();
    return this.#nodeNames;
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.#pods.get(`${namespace}/${name}`);
  }

  pvc(namespace: string, name: string): PersistentVolumeClaim | undefined {
    const key = `${namespace}/${name}`;
    return this.#assumedPVCs.get(key) ?? this.#apiPVCs.get(key);
  }

  pv(name: string): PVEntry | undefined {
    return this.#pvEntries.get(name);
  }

  storageClass(name: string): StorageClassEntry | undefined {
    return this.#classes.get(name);
  }

  csiDriver(name: string): CSIDriver | undefined {
    return this.#drivers.get(name);
  }

  pvClass(className: string): PVClassIndex {
    return this.#pvByClass.get(className) ?? EMPTY_PV_CLASS;
  }

  capacityClass(className: string): CapacityClassIndex {
    return this.#capByClass.get(className) ?? EMPTY_CAPACITY_CLASS;
  }

  podsControlledBy(namespace: string, ownerUid: string): readonly Pod[] {
    const keys = this.#podsByController.get(ownerUid);
    if (!keys) return [];
    const out: Pod[] = [];
    for (const k of keys) {
      const p = this.#pods.get(k);
      if (p && (p.metadata?.namespace ?? 'default') === namespace) out.push(p);
    }
    return out;
  }

  migratedPlugins(nodeName: string): ReadonlySet<string> {
    if (this.#migrated.size === 0) return NO_MIGRATED_PLUGINS;
    return this.#migrated.get(nodeName) ?? NO_MIGRATED_PLUGINS;
  }

  // ---- informer (API) copies ------------------------------------------------------------

  apiPV(name: string): PersistentVolume | undefined {
    return this.#apiPVs.get(name);
  }

  apiPVC(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.#apiPVCs.get(`${namespace}/${name}`);
  }

  csiNode(name: string): CSINode | undefined {
    return this.#csiNodes.get(name);
  }

  counts(): Record<Kind, number> {
    return {
      Node: this.#nodes.size,
      Pod: this.#pods.size,
      PersistentVolume: this.#apiPVs.size,
      PersistentVolumeClaim: this.#apiPVCs.size,
      StorageClass: this.#classes.size,
      CSIDriver: this.#drivers.size,
      CSIStorageCapacity: this.#capacities.size,
      CSINode: this.#csiNodes.size,
    };
  }

  list(kind: Kind): KubeObject[] {
    switch (kind) {
      case 'Node':
        return [...this.#nodes.values()];
      case 'Pod':
        return [...this.#pods.values()];
      case 'PersistentVolume':
        return [...this.#apiPVs.values()];
      case 'PersistentVolumeClaim':
        return [...this.#apiPVCs.values()];
      case 'StorageClass':
        return [...this.#classes.values()].map((e) => e.sc);
      case 'CSIDriver':
        return [...this.#drivers.values()];
      case 'CSIStorageCapacity':
        return [...this.#capacities.values()].map((e) => e.obj);
      case 'CSINode':
        return [...this.#csiNodes.values()];
    }
  }

  /**
   * Adds or replaces an object as delivered by the API (informer add/update, snapshot). The store
   * owns `obj` from then on: its repeated parts are swapped for shared frozen copies
   * (shared-subtrees.ts), so callers must not modify it afterwards.
   */
  upsert(kind: Kind, obj: KubeObject): void {
    shareParts(kind, obj);
    const key = objectKey(kind, obj);
    switch (kind) {
      case 'Node':
        if (!this.#nodes.has(key)) this.#nodeNames = undefined;
        this.#nodes.set(key, obj);
        this.#setNodeLike({ name: key, labels: obj.metadata?.labels ?? NO_LABELS, slot: this.#nodeSlot(key) });
        break;
      case 'Pod':
        this.#removePod(key);
        this.#pods.set(key, obj);
        this.#indexPod(key, obj);
        break;
      case 'PersistentVolumeClaim': {
        const assumed = this.#assumedPVCs.get(key);
        if (assumed && rv(assumed) !== rv(obj)) {
          this.#assumedPVCs.delete(key);
          this.#assumedAt.delete(`pvc:${key}`);
        }
        this.#apiPVCs.set(key, obj);
        break;
      }
      case 'PersistentVolume': {
        const assumed = this.#assumedPVs.get(key);
        if (assumed && rv(assumed) !== rv(obj)) {
          this.#assumedPVs.delete(key);
          this.#assumedAt.delete(`pv:${key}`);
        }
        this.#apiPVs.set(key, obj);
        this.#reindexPV(key);
        break;
      }
      case 'StorageClass':
        this.#classes.set(key, toStorageClassEntry(obj));
        break;
      case 'CSIDriver':
        this.#drivers.set(key, obj);
        break;
      case 'CSINode':
        this.#csiNodes.set(key, obj);
        this.#migrated.set(key, parseMigratedPlugins(obj.metadata?.annotations?.[MigratedPluginsAnnotation]));
        break;
      case 'CSIStorageCapacity':
        this.#removeCapacity(key);
        this.#addCapacity(toCapacityEntry(obj));
        break;
    }
    this.#changed(kind, key);
  }

  #setNodeLike(n: NodeLike & { readonly slot: number }): void {
    this.#nodeLikes.set(n.name, n);
    while (this.#slotNodes.length <= n.slot) this.#slotNodes.push(undefined);
    this.#slotNodes[n.slot] = n;
  }

  #nodeSlot(name: string): number {
    let slot = this.#nodeSlots.get(name);
    if (slot === undefined) {
      slot = this.#freeNodeSlots.pop() ?? this.#nodeSlots.size;
      this.#nodeSlots.set(name, slot);
    }
    return slot;
  }

  #releaseNodeSlot(name: string): void {
    const slot = this.#nodeSlots.get(name);
    if (slot === undefined) return;
    this.#nodeSlots.delete(name);
    this.#freeNodeSlots.push(slot);
    this.#slotNodes[slot] = undefined;
  }

  /** Removes an object (informer delete). Drops any assumption for it. */
  remove(kind: Kind, obj: KubeObject): void {
    const key = objectKey(kind, obj);
    switch (kind) {
      case 'Node':
        if (this.#nodes.delete(key)) this.#nodeNames = undefined;
        this.#nodeLikes.delete(key);
        this.#releaseNodeSlot(key);
        break;
      case 'Pod':
        this.#removePod(key);
        break;
      case 'PersistentVolumeClaim':
        this.#apiPVCs.delete(key);
        this.#assumedPVCs.delete(key);
        this.#assumedAt.delete(`pvc:${key}`);
        break;
      case 'PersistentVolume':
        this.#apiPVs.delete(key);
        this.#assumedPVs.delete(key);
        this.#assumedAt.delete(`pv:${key}`);
        this.#reindexPV(key);
        break;
      case 'StorageClass':
        this.#classes.delete(key);
        break;
      case 'CSIDriver':
        this.#drivers.delete(key);
        break;
      case 'CSINode':
        this.#csiNodes.delete(key);
        this.#migrated.delete(key);
        break;
      case 'CSIStorageCapacity':
        this.#removeCapacity(key);
        break;
    }
    this.#changed(kind, key);
  }

  /** Replaces every object of a kind (initial list / relist), emitting deletes for vanished ones. */
  replaceAll(kind: Kind, objs: readonly KubeObject[]): void {
    const keep = new Set(objs.map((o) => objectKey(kind, o)));
    const current = new Map<string, string>();
    for (const old of this.list(kind)) {
      const key = objectKey(kind, old);
      if (!keep.has(key)) this.remove(kind, old);
      else current.set(key, rv(old));
    }
    for (const o of objs) {
      // A relist delivers mostly unchanged objects: skip re-indexing those (same RV never drops an assumption).
      const have = current.get(objectKey(kind, o));
      if (have !== undefined && have !== '' && have === rv(o)) continue;
      this.upsert(kind, o);
    }
  }

  // ---- assumptions (R8.2) ---------------------------------------------------------------

  assumePV(pv: PersistentVolume, now = 0): void {
    const name = pv.metadata?.name ?? '';
    const api = this.#apiPVs.get(name);
    if (!api) throw new OutOfSyncError(`PersistentVolume "${name}" not found`);
    if (rv(api) !== rv(pv)) throw new OutOfSyncError(`"${name}" is out of sync (stored: ${rv(api)}, assume: ${rv(pv)})`);
    this.#assumedPVs.set(name, pv);
    this.#assumedAt.set(`pv:${name}`, now);
    this.#reindexPV(name);
    this.#changed('PersistentVolume', name);
  }

  restorePV(name: string): void {
    if (this.#assumedPVs.delete(name)) {
      this.#assumedAt.delete(`pv:${name}`);
      this.#reindexPV(name);
      this.#changed('PersistentVolume', name);
    }
  }

  assumePVC(pvc: PersistentVolumeClaim, now = 0): void {
    const key = objectKey('PersistentVolumeClaim', pvc);
    const api = this.#apiPVCs.get(key);
    if (!api) throw new OutOfSyncError(`PersistentVolumeClaim "${key}" not found`);
    if (rv(api) !== rv(pvc)) throw new OutOfSyncError(`"${key}" is out of sync (stored: ${rv(api)}, assume: ${rv(pvc)})`);
    this.#assumedPVCs.set(key, pvc);
    this.#assumedAt.set(`pvc:${key}`, now);
    this.#changed('PersistentVolumeClaim', key);
  }

  restorePVC(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.#assumedPVCs.delete(key)) this.#changed('PersistentVolumeClaim', key);
  }

  isPVAssumed(name: string): boolean {
    return this.#assumedPVs.has(name);
  }

  isPVCAssumed(namespace: string, name: string): boolean {
    return this.#assumedPVCs.has(`${namespace}/${name}`);
  }

  /**
   * TTL safety net (upstream has none): drops assumptions made before `cutoff`, e.g. by a bind
   * request that crashed. Returns the keys dropped.
   */
  expireAssumptions(cutoff: number): string[] {
    const dropped: string[] = [];
    for (const [k, at] of [...this.#assumedAt]) {
      if (at >= cutoff) continue;
      dropped.push(k);
      if (k.startsWith('pv:')) this.restorePV(k.slice(3));
      else {
        const [ns, name] = k.slice(4).split('/') as [string, string];
        this.restorePVC(ns, name);
      }
    }
    return dropped;
  }

  assumedCounts(): { pvs: number; pvcs: number } {
    return { pvs: this.#assumedPVs.size, pvcs: this.#assumedPVCs.size };
  }

  // ---- internals --------------------------------------------------------------------------

  #reindexPV(name: string): void {
    const old = this.#pvEntries.get(name);
    if (old) this.#pvByClass.get(old.className)?.remove(name);
    const effective = this.#assumedPVs.get(name) ?? this.#apiPVs.get(name);
    if (!effective) {
      this.#pvEntries.delete(name);
      return;
    }
    const entry = toPVEntry(effective);
    this.#pvEntries.set(name, entry);
    let idx = this.#pvByClass.get(entry.className);
    if (!idx) {
      idx = new MutablePVClassIndex();
      this.#pvByClass.set(entry.className, idx);
    }
    idx.upsert(entry);
  }

  #addCapacity(e: CapacityEntry): void {
    this.#capacities.set(e.key, e);
    let idx = this.#capByClass.get(e.className);
    if (!idx) {
      idx = new MutableCapacityClassIndex();
      this.#capByClass.set(e.className, idx);
    }
    idx.upsert(e);
  }

  #removeCapacity(key: string): void {
    const old = this.#capacities.get(key);
    if (!old) return;
    this.#capacities.delete(key);
    this.#capByClass.get(old.className)?.remove(key);
  }

  #indexPod(key: string, pod: Pod): void {
    const uid = controllerUid(pod);
    if (!uid) return;
    let set = this.#podsByController.get(uid);
    if (!set) {
      set = new Set();
      this.#podsByController.set(uid, set);
    }
    set.add(key);
  }

  #removePod(key: string): void {
    const old = this.#pods.get(key);
    if (!old) return;
    this.#pods.delete(key);
    const uid = controllerUid(old);
    if (uid) {
      const set = this.#podsByController.get(uid);
      set?.delete(key);
      if (set?.size === 0) this.#podsByController.delete(uid);
    }
  }
}
