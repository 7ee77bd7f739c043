/**
 * Per-StorageClass PV index (design-proposal "per-node, per-class PV index"): unclaimed PVs are
 * grouped by identical node affinity, each group kept sorted by (capacity, name), and the groups
 * filed in a TopologyIndex. Matching a claim on a node then touches only the groups whose
 * affinity can match that node, and inside a group starts at the first PV large enough.
 *
 * The matching scan runs for every (offered node, claim) of every filter call — 5,000 nodes × 3
 * claims per call in a large cluster — so what it reads is laid out densely:
 * - every group's PVs sit in one block of two flat arrays shared by the class: `#slots` (a
 *   Float64Array of [capacity, meta word] pairs) and `#flat` (the PVEntry objects, read only for
 *   the answer and the rarer checks);
 * - the groups matching a node are memoized per node in an Int32Array row indexed by the node's
 *   store slot (NodeLike.slot) and checked against its labels object, instead of a per-labels
 *   map entry.
 * Claiming a PV, by far the most frequent change, tombstones its pair in place; adding a PV marks
 * the layout stale and the next lookup rebuilds it (one linear pass). Groups that run empty stay
 * filed, so a node whose last free PV is claimed does not invalidate every node's row; they are
 * dropped in bulk when they become a large share.
 */
import { ACCESS_OTHER, offersAccessModes } from './entries.js';
import { type CompiledSelector, type Labels, selectorMatches } from './selectors.js';
import { TopologyIndex } from './topology-index.js';
import type { CapacityClassIndex, CapacityEntry, ChosenVolumes, FreeQuery, NodeLike, PVClassIndex, PVEntry } from './view.js';

function comparePV(a: PVEntry, b: PVEntry): number {
  return a.capacity - b.capacity || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Index i in [lo, hi) of the first pair whose capacity (slots[2i]) is >= value (hi if none). */
export function lowerBound(slots: ArrayLike<number>, value: number, lo = 0, hi = slots.length >>> 1): number {
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

/** Unclaimed PVs of one class that share one (interned) node affinity, sorted by (capacity, name). */
class Group {
  readonly entries: PVEntry[] = [];

  constructor(readonly id: number) {}

  insert(e: PVEntry): void {
    let i = this.#firstWithCapacity(e.capacity);
    while (i < this.entries.length && comparePV(this.entries[i]!, e) < 0) i++;
    this.entries.splice(i, 0, e);
  }

  indexOf(e: PVEntry): number {
    const list = this.entries;
    for (let i = this.#firstWithCapacity(e.capacity); i < list.length && list[i]!.capacity === e.capacity; i++) if (list[i] === e) return i;
    return -1;
  }

  #firstWithCapacity(capacity: number): number {
    const list = this.entries;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.capacity < capacity) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Ints per node row: [group count, id, id, id]; a node matching more groups keeps them in #rowMore. */
const ROW = 4;
/** Tombstones are compacted away once they are this many and over half the layout. */
const MIN_TOMBSTONES_TO_COMPACT = 1024;
/** Empty groups are dropped (re-filing every row) once they are this many and over a quarter of the groups. */
const MIN_EMPTY_GROUPS_TO_DROP = 64;

export class MutablePVClassIndex implements PVClassIndex {
  readonly #all = new Map<string, PVEntry>();
  /** Groups of unclaimed PVs by their (interned, entries.sharedPVAffinity) affinity object. */
  readonly #groups = new Map<CompiledSelector, Group>();
  readonly #topology = new TopologyIndex<Group>();
  readonly #prebound = new Map<string, PVEntry[]>();
  #nextGroupId = 0;
  readonly #freeGroupIds: number[] = [];
  #emptyGroups = 0;

  // The layout: group `id` owns pairs [#blockStart[id], #blockEnd[id]) of #slots and #flat.
  #slots = new Float64Array(0);
  #flat: PVEntry[] = [];
  #blockStart = new Int32Array(16);
  #blockEnd = new Int32Array(16);
  /** false after an insert: the next lookup rebuilds the layout. */
  #laidOut = true;
  #tombstones = 0;
  #layouts = 0;

  // Per-node rows by NodeLike.slot, valid while the topology is at #rowsVersion.
  #rowsVersion = -1;
  /** The labels object each row was computed for (as long as #rows / ROW, never holey). */
  #rowLabels: (Labels | undefined)[] = [];
  #rows = new Int32Array(0);
  readonly #rowMore = new Map<number, readonly number[]>();

  get size(): number {
    return this.#all.size;
  }

  upsert(e: PVEntry): void {
    const old = this.#all.get(e.name);
    if (old !== undefined && this.#replaceInPlace(old, e)) {
      this.#all.set(e.name, e);
      return;
    }
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
      g = new Group(this.#newGroupId());
      this.#groups.set(e.affinity, g);
      this.#topology.add(g, e.affinity);
    } else if (g.entries.length === 0) this.#emptyGroups--;
    g.insert(e);
    this.#laidOut = false;
  }

  /**
   * An unclaimed PV updated without changing its place (same affinity, capacity and meta word,
   * e.g. new labels or a status-only update): swap the object, keep the layout.
   */
  #replaceInPlace(old: PVEntry, e: PVEntry): boolean {
    if (old.claimKey !== undefined || e.claimKey !== undefined) return false;
    if (old.affinity !== e.affinity || old.capacity !== e.capacity || packMeta(old) !== packMeta(e)) return false;
    const g = this.#groups.get(old.affinity);
    const i = g === undefined ? -1 : g.indexOf(old);
    if (i < 0) return false;
    g!.entries[i] = e;
    if (this.#laidOut) {
      const at = this.#locate(g!.id, old);
      if (at < 0) this.#laidOut = false;
      else this.#flat[at] = e;
    }
    return true;
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
    const i = g.indexOf(old);
    if (i < 0) return;
    g.entries.splice(i, 1);
    if (g.entries.length === 0) this.#emptyGroups++;
    if (!this.#laidOut) return;
    const at = this.#locate(g.id, old);
    if (at < 0) {
      this.#laidOut = false;
      return;
    }
    this.#slots[2 * at + 1] = -1;
    this.#tombstones++;
    if (this.#tombstones >= MIN_TOMBSTONES_TO_COMPACT && 2 * this.#tombstones > this.#flat.length) this.#laidOut = false;
  }

  #newGroupId(): number {
    const id = this.#freeGroupIds.pop() ?? this.#nextGroupId++;
    if (id >= this.#blockStart.length) {
      const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(2 * a.length);
        b.set(a);
        return b;
      };
      this.#blockStart = grow(this.#blockStart);
      this.#blockEnd = grow(this.#blockEnd);
    }
    // Empty until the next layout; a row may name it before then.
    this.#blockStart[id] = 0;
    this.#blockEnd[id] = 0;
    return id;
  }

  /** Position of `e` in its group's block, or -1. */
  #locate(id: number, e: PVEntry): number {
    const slots = this.#slots;
    const end = this.#blockEnd[id]!;
    for (let i = lowerBound(slots, e.capacity, this.#blockStart[id], end); i < end && slots[2 * i] === e.capacity; i++) {
      if (this.#flat[i] === e) return i;
    }
    return -1;
  }

  /** Rebuilds the layout from the groups (and drops empty groups once they pile up). */
  #layOut(): void {
    if (this.#emptyGroups >= MIN_EMPTY_GROUPS_TO_DROP && 4 * this.#emptyGroups > this.#groups.size) {
      for (const [affinity, g] of this.#groups) {
        if (g.entries.length > 0) continue;
        this.#groups.delete(affinity);
        this.#topology.remove(g);
        this.#freeGroupIds.push(g.id);
      }
      this.#emptyGroups = 0;
    }
    let total = 0;
    for (const g of this.#groups.values()) total += g.entries.length;
    if (this.#slots.length < 2 * total || this.#slots.length > 4 * total + 64) this.#slots = new Float64Array(2 * total + (total >>> 3));
    const slots = this.#slots;
    const flat: PVEntry[] = [];
    let at = 0;
    for (const g of this.#groups.values()) {
      this.#blockStart[g.id] = at;
      for (const e of g.entries) {
        slots[2 * at] = e.capacity;
        slots[2 * at + 1] = packMeta(e);
        flat.push(e);
        at++;
      }
      this.#blockEnd[g.id] = at;
    }
    this.#flat = flat;
    this.#tombstones = 0;
    this.#laidOut = true;
    this.#layouts++;
  }

  /** Layout counters, for tests and debugging: rebuilds so far, groups filed, tombstones now. */
  layoutStats(): { readonly layouts: number; readonly groups: number; readonly tombstones: number } {
    return { layouts: this.#layouts, groups: this.#groups.size, tombstones: this.#tombstones };
  }

  /** Base index in #rows of the node's row, computed if missing or stale. */
  #row(slot: number, labels: Labels): number {
    const version = this.#topology.version;
    if (this.#rowsVersion !== version) {
      this.#rowsVersion = version;
      this.#rowLabels.fill(undefined);
      this.#rowMore.clear();
    }
    const base = slot * ROW;
    if (slot < this.#rowLabels.length && this.#rowLabels[slot] === labels) return base;
    if (base + ROW > this.#rows.length) {
      const rows = new Int32Array(Math.max(2 * this.#rows.length, base + ROW, 64 * ROW));
      rows.set(this.#rows);
      this.#rows = rows;
      while (this.#rowLabels.length < rows.length / ROW) this.#rowLabels.push(undefined);
    }
    const groups = this.#topology.collect(labels);
    this.#rows[base] = groups.length;
    if (groups.length < ROW) {
      for (let k = 0; k < groups.length; k++) this.#rows[base + 1 + k] = groups[k]!.id;
    } else this.#rowMore.set(slot, groups.map((g) => g.id));
    this.#rowLabels[slot] = labels;
    return base;
  }

  preboundTo(claimKey: string): readonly PVEntry[] {
    return this.#prebound.get(claimKey) ?? [];
  }

  bestFree(q: FreeQuery, node: NodeLike, chosen: ChosenVolumes): PVEntry | undefined {
    if (!this.#laidOut) this.#layOut();
    let best: PVEntry | undefined;
    const slot = node.slot;
    if (slot === undefined) {
      for (const g of this.#topology.cached(node.labels)) best = this.#scan(g.id, q, chosen, best);
      return best;
    }
    const base = this.#row(slot, node.labels);
    const n = this.#rows[base]!;
    if (n < ROW) {
      for (let k = 1; k <= n; k++) best = this.#scan(this.#rows[base + k]!, q, chosen, best);
    } else {
      for (const id of this.#rowMore.get(slot)!) best = this.#scan(id, q, chosen, best);
    }
    return best;
  }

  /**
   * One group's block: starting at the first PV large enough (R5.3 c), the first whose meta word
   * passes eligibility (f, i), volume kind (d, e) and access modes (m) and whose object passes the
   * rarer checks (chosen, other access modes, selector) — if it beats `best` (smaller capacity,
   * or equal capacity and smaller name). Returns the new best.
   */
  #scan(id: number, q: FreeQuery, chosen: ChosenVolumes, best: PVEntry | undefined): PVEntry | undefined {
    const slots = this.#slots;
    const end = this.#blockEnd[id]!;
    const bestCap = best === undefined ? Infinity : best.capacity;
    const kind = q.volKind;
    const access = packAccess(q.accessMask);
    for (let i = lowerBound(slots, q.request ?? 0, this.#blockStart[id], end); i < end; i++) {
      const cap = slots[2 * i]!;
      if (cap > bestCap) break;
      const m = slots[2 * i + 1]!;
      if (m < 0 || metaKind(m) !== kind || (m & access) !== access) continue;
      const pv = this.#flat[i]!;
      if (cap === bestCap && pv.name > best!.name) break;
      if (chosen.size > 0 && (chosen.hasEntry !== undefined ? chosen.hasEntry(pv) : chosen.has(pv.name))) continue;
      if ((q.accessMask & ACCESS_OTHER) !== 0 && !offersAccessModes(pv, q)) continue;
      if (q.selector !== undefined && !selectorMatches(q.selector, pv.labels)) continue;
      return pv;
    }
    return best;
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
