/**
 * An index from node labels to the items whose selector can match them.
 *
 * Each valid term is filed under one of its `In` requirements (every value), so a lookup only
 * evaluates terms that share a (key, value) pair with the node. Terms without an `In`
 * requirement, and match-all selectors, are "generic" and evaluated for every lookup. For the
 * usual hostname/zone/rack affinities this makes a per-node lookup O(labels) instead of O(items).
 *
 * Lookups run once per node per filter call, so they avoid allocation: an item matched by
 * several terms is de-duplicated with a per-lookup epoch stamp instead of a Set. `cached()`
 * additionally memoizes the answer per labels object until an item is added or removed (items
 * are containers that change in place, e.g. PV groups, so their contents do not invalidate it).
 */
import { type CompiledSelector, type Labels, type Term, termMatches } from './selectors.js';

interface Slot<T> {
  readonly item: T;
  /** Epoch of the last lookup that returned this item. */
  stamp: number;
}

interface Entry<T> {
  readonly slot: Slot<T>;
  /** undefined = the selector matches everything. */
  readonly term: Term | undefined;
}

export class TopologyIndex<T> {
  readonly #byKV = new Map<string, Map<string, Entry<T>[]>>();
  readonly #generic: Entry<T>[] = [];
  readonly #placements = new Map<T, { list: Entry<T>[]; entry: Entry<T> }[]>();
  #epoch = 0;
  /** Bumped by add/remove: invalidates `cached()` answers. */
  #version = 0;
  #memo = new WeakMap<Labels, { version: number; items: readonly T[] }>();
  readonly #order: ((a: T, b: T) => number) | undefined;

  /** `order`, if given, is the order of every lookup's result (applied when it is computed). */
  constructor(order?: (a: T, b: T) => number) {
    this.#order = order;
  }

  get size(): number {
    return this.#placements.size;
  }

  /** Changes whenever an item is added or removed: answers computed at another version are stale. */
  get version(): number {
    return this.#version;
  }

  add(item: T, sel: CompiledSelector): void {
    if (this.#placements.has(item)) this.remove(item);
    this.#version++;
    const slot: Slot<T> = { item, stamp: 0 };
    const placed: { list: Entry<T>[]; entry: Entry<T> }[] = [];
    const put = (list: Entry<T>[], entry: Entry<T>): void => {
      list.push(entry);
      placed.push({ list, entry });
    };
    if (sel.all) {
      put(this.#generic, { slot, term: undefined });
    } else {
      for (const term of sel.terms) {
        const anchor = term.reqs.find((r) => r.op === 'In');
        const entry: Entry<T> = { slot, term };
        if (!anchor) {
          put(this.#generic, entry);
          continue;
        }
        let byValue = this.#byKV.get(anchor.key);
        if (!byValue) {
          byValue = new Map();
          this.#byKV.set(anchor.key, byValue);
        }
        for (const v of anchor.valueSet) {
          let list = byValue.get(v);
          if (!list) {
            list = [];
            byValue.set(v, list);
          }
          put(list, entry);
        }
      }
    }
    this.#placements.set(item, placed);
  }

  remove(item: T): void {
    const placed = this.#placements.get(item);
    if (!placed) return;
    this.#version++;
    for (const { list, entry } of placed) {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    }
    this.#placements.delete(item);
  }

  /** Appends to `out` every item whose selector matches `labels` (each once) and returns `out`. */
  collect(labels: Labels, out: T[] = []): T[] {
    const epoch = ++this.#epoch;
    for (const key in labels) {
      const byValue = this.#byKV.get(key);
      if (byValue === undefined) continue;
      const list = byValue.get(labels[key]!);
      if (list !== undefined) TopologyIndex.#scan(list, labels, epoch, out);
    }
    if (this.#generic.length > 0) TopologyIndex.#scan(this.#generic, labels, epoch, out);
    if (this.#order !== undefined && out.length > 1) out.sort(this.#order);
    return out;
  }

  static #scan<T>(list: readonly Entry<T>[], labels: Labels, epoch: number, out: T[]): void {
    for (const e of list) {
      const slot = e.slot;
      if (slot.stamp === epoch) continue;
      if (e.term === undefined || termMatches(e.term, labels)) {
        slot.stamp = epoch;
        out.push(slot.item);
      }
    }
  }

  /**
   * Like collect(), memoized per labels object (node label maps are replaced, never mutated, on
   * node updates). The returned array is shared: callers must not modify it.
   */
  cached(labels: Labels): readonly T[] {
    const hit = this.#memo.get(labels);
    if (hit?.version === this.#version) return hit.items;
    const items = this.collect(labels);
    this.#memo.set(labels, { version: this.#version, items });
    return items;
  }

  /** All items that match `labels`, as a new array (unmemoized; `cached` is the hot-path form). */
  matching(labels: Labels): T[] {
    return this.collect(labels);
  }

  items(): IterableIterator<T> {
    return this.#placements.keys();
  }
}
