/**
 * Per-StorageClass PV index (design-proposal "per-node, per-class PV index"): unclaimed PVs are
 * grouped by identical node affinity, each group kept sorted by (capacity, name), and the groups
 * filed in a TopologyIndex. Matching a claim on a node then touches only the groups whose
 * affinity can match that node, and inside a group starts at the first PV large enough.
 */
import type { CompiledSelector, Labels } from './selectors.js';
import { TopologyIndex } from './topology-index.js';
import { ACCESS_OTHER } from './entries.js';
import type { CapacityClassIndex, CapacityEntry, PVClassIndex, PVEntry, PVGroup } from './view.js';

function comparePV(a: PVEntry, b: PVEntry): number {
  return a.capacity - b.capacity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Index i of the first entry whose capacity (slots[2i]) is >= value. */
export function lowerBound(slots: readonly number[], value: number): number {
  let lo = 0;
  let hi = slots.length >>> 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (slots[2 * mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const ACCESS_KNOWN = 0b1111;
const ACCESS_OTHER_BIT = 0b10000;

/** Access mask squeezed into 5 bits: the four known modes plus "some other mode". */
export function packAccess(mask: number): number {
  return (mask & ACCESS_KNOWN) | (mask & ACCESS_OTHER ? ACCESS_OTHER_BIT : 0);
}

const META_KIND_SHIFT = 5;

/** meta word of a PV: -1 when not eligible, else volKind << 5 | packAccess(accessMask). */
export function packMeta(e: PVEntry): number {
  if (!e.eligible) return -1;
  return (e.volKind << META_KIND_SHIFT) | packAccess(e.accessMask);
}

/** The volume kind stored in a meta word. */
export function metaKind(meta: number): number {
  return meta >>> META_KIND_SHIFT;
}

class Group implements PVGroup {
  readonly entries: PVEntry[] = [];
  readonly slots: number[] = [];

  insert(e: PVEntry): void {
    let i = lowerBound(this.slots, e.capacity);
    while (i < this.entries.length && comparePV(this.entries[i]!, e) < 0) i++;
    this.entries.splice(i, 0, e);
    this.slots.splice(2 * i, 0, e.capacity, packMeta(e));
  }

  delete(e: PVEntry): void {
    const i = this.entries.indexOf(e);
    if (i < 0) return;
    this.entries.splice(i, 1);
    this.slots.splice(2 * i, 2);
  }
}

export class MutablePVClassIndex implements PVClassIndex {
  readonly #all = new Map<string, PVEntry>();
  /** Groups of unclaimed PVs by their (interned, entries.sharedPVAffinity) affinity object. */
  readonly #groups = new Map<CompiledSelector, Group>();
  readonly #topology = new TopologyIndex<Group>();
  readonly #prebound = new Map<string, PVEntry[]>();

  get size(): number {
    return this.#all.size;
  }

  upsert(e: PVEntry): void {
    this.remove(e.name);
    this.#all.set(e.name, e);
    if (e.claimKey !== undefined) {
      let list = this.#prebound.get(e.claimKey);
      if (!list) {
        list = [];
        this.#prebound.set(e.claimKey, list);
      }
      list.push(e);
      list.sort(comparePV);
      return;
    }
    // Static matching checks the PV's affinity as stored, in-tree PVs included (matching.ts).
    let g = this.#groups.get(e.affinity);
    if (!g) {
      g = new Group();
      this.#groups.set(e.affinity, g);
      this.#topology.add(g, e.affinity);
    }
    g.insert(e);
  }

  remove(name: string): void {
    const old = this.#all.get(name);
    if (!old) return;
    this.#all.delete(name);
    if (old.claimKey !== undefined) {
      const list = this.#prebound.get(old.claimKey);
      if (list) {
        const i = list.indexOf(old);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) this.#prebound.delete(old.claimKey);
      }
      return;
    }
    const g = this.#groups.get(old.affinity);
    if (!g) return;
    g.delete(old);
    if (g.entries.length === 0) {
      this.#groups.delete(old.affinity);
      this.#topology.remove(g);
    }
  }

  preboundTo(claimKey: string): readonly PVEntry[] {
    return this.#prebound.get(claimKey) ?? [];
  }

  freeGroupsFor(labels: Labels): readonly PVGroup[] {
    return this.#topology.cached(labels);
  }

  all(): Iterable<PVEntry> {
    return this.#all.values();
  }
}

export const EMPTY_PV_CLASS: PVClassIndex = new MutablePVClassIndex();

function compareCapacityKey(a: CapacityEntry, b: CapacityEntry): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export class MutableCapacityClassIndex implements CapacityClassIndex {
  readonly #all = new Map<string, CapacityEntry>();
  /** Lookups come back in `key` order, the deterministic "lister order" of R5.6. */
  readonly #topology = new TopologyIndex<CapacityEntry>(compareCapacityKey);

  get size(): number {
    return this.#all.size;
  }

  upsert(e: CapacityEntry): void {
    this.remove(e.key);
    this.#all.set(e.key, e);
    this.#topology.add(e, e.topology);
  }

  remove(key: string): void {
    const old = this.#all.get(key);
    if (!old) return;
    this.#all.delete(key);
    this.#topology.remove(old);
  }

  /** Runs for every node a dynamic claim is checked on: memoized per labels object, like PV groups. */
  reachableFrom(labels: Labels): readonly CapacityEntry[] {
    return this.#topology.cached(labels);
  }

  all(): Iterable<CapacityEntry> {
    return this.#all.values();
  }
}

export const EMPTY_CAPACITY_CLASS: CapacityClassIndex = new MutableCapacityClassIndex();
