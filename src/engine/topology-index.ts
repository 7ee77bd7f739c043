/**
 * An index from node labels to the items whose selector can match them.
 *
 * Each valid term is filed under one of its `In` requirements (every value), so a lookup only
 * evaluates terms that share a (key, value) pair with the node. Terms without an `In`
 * requirement, and match-all selectors, are "generic" and evaluated for every lookup. For the
 * usual hostname/zone/rack affinities this makes a per-node lookup O(labels) instead of O(items).
 */
import { type CompiledSelector, type Labels, type Term, termMatches } from './selectors.js';

interface Entry<T> {
  readonly item: T;
  /** undefined = the selector matches everything. */
  readonly term: Term | undefined;
}

export class TopologyIndex<T> {
  readonly #byKV = new Map<string, Map<string, Entry<T>[]>>();
  readonly #generic: Entry<T>[] = [];
  readonly #placements = new Map<T, { list: Entry<T>[]; entry: Entry<T> }[]>();

  get size(): number {
    return this.#placements.size;
  }

  add(item: T, sel: CompiledSelector): void {
    if (this.#placements.has(item)) this.remove(item);
    const placed: { list: Entry<T>[]; entry: Entry<T> }[] = [];
    const put = (list: Entry<T>[], entry: Entry<T>): void => {
      list.push(entry);
      placed.push({ list, entry });
    };
    if (sel.all) {
      put(this.#generic, { item, term: undefined });
    } else {
      for (const term of sel.terms) {
        const anchor = term.reqs.find((r) => r.op === 'In');
        const entry: Entry<T> = { item, term };
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
    for (const { list, entry } of placed) {
      const i = list.indexOf(entry);
      if (i >= 0) list.splice(i, 1);
    }
    this.#placements.delete(item);
  }

  /** Calls `visit` once for every item whose selector matches `labels`. */
  lookup(labels: Labels, visit: (item: T) => void): void {
    const seen = new Set<T>();
    const consider = (e: Entry<T>): void => {
      if (seen.has(e.item)) return;
      if (e.term === undefined || termMatches(e.term, labels)) {
        seen.add(e.item);
        visit(e.item);
      }
    };
    for (const key in labels) {
      const byValue = this.#byKV.get(key);
      if (!byValue) continue;
      const list = byValue.get(labels[key]!);
      if (list) for (const e of list) consider(e);
    }
    for (const e of this.#generic) consider(e);
  }

  /** All items that match `labels`, as an array. */
  matching(labels: Labels): T[] {
    const out: T[] = [];
    this.lookup(labels, (i) => out.push(i));
    return out;
  }

  items(): IterableIterator<T> {
    return this.#placements.keys();
  }
}
