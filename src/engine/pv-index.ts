/**
 * Per-StorageClass PV index (design-proposal "per-node, per-class PV index"): unclaimed PVs are
 * grouped by identical node affinity, each group kept sorted by (capacity, name), and the groups
 * filed in a TopologyIndex. Matching a claim on a node then touches only the groups whose
 * affinity can match that node, and inside a group starts at the first PV large enough.
 */
import { type Labels, MATCH_ALL } from './selectors.js';
import { TopologyIndex } from './topology-index.js';
import type { CapacityClassIndex, CapacityEntry, PVClassIndex, PVEntry } from './view.js';

function comparePV(a: PVEntry, b: PVEntry): number {
  return a.capacity - b.capacity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Index of the first element with capacity >= bytes. */
export function lowerBound(sorted: readonly PVEntry[], bytes: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.capacity < bytes) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function groupKey(e: PVEntry): string {
  return e.migration ? `\u0000migratable\u0000${e.name}` : e.affinityKey;
}

interface Group {
  readonly key: string;
  readonly entries: PVEntry[];
}

export class MutablePVClassIndex implements PVClassIndex {
  readonly #all = new Map<string, PVEntry>();
  readonly #groups = new Map<string, Group>();
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
    // A migratable in-tree PV's affinity depends on the node's CSINode (R3.8): file it under
    // "any node" in a group of its own; matching checks its affinity per node.
    const key = groupKey(e);
    let g = this.#groups.get(key);
    if (!g) {
      g = { key, entries: [] };
      this.#groups.set(key, g);
      this.#topology.add(g, e.migration ? MATCH_ALL : e.affinity);
    }
    const at = lowerBound(g.entries, e.capacity);
    let i = at;
    while (i < g.entries.length && comparePV(g.entries[i]!, e) < 0) i++;
    g.entries.splice(i, 0, e);
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
    const g = this.#groups.get(groupKey(old));
    if (!g) return;
    const i = g.entries.indexOf(old);
    if (i >= 0) g.entries.splice(i, 1);
    if (g.entries.length === 0) {
      this.#groups.delete(g.key);
      this.#topology.remove(g);
    }
  }

  preboundTo(claimKey: string): readonly PVEntry[] {
    return this.#prebound.get(claimKey) ?? [];
  }

  freeGroupsFor(labels: Labels): readonly (readonly PVEntry[])[] {
    const out: PVEntry[][] = [];
    this.#topology.lookup(labels, (g) => out.push(g.entries));
    return out;
  }

  all(): Iterable<PVEntry> {
    return this.#all.values();
  }
}

export const EMPTY_PV_CLASS: PVClassIndex = new MutablePVClassIndex();

export class MutableCapacityClassIndex implements CapacityClassIndex {
  readonly #all = new Map<string, CapacityEntry>();
  readonly #topology = new TopologyIndex<CapacityEntry>();

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

  reachableFrom(labels: Labels): readonly CapacityEntry[] {
    const out = this.#topology.matching(labels);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  all(): Iterable<CapacityEntry> {
    return this.#all.values();
  }
}

export const EMPTY_CAPACITY_CLASS: CapacityClassIndex = new MutableCapacityClassIndex();
