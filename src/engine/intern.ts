/**
 * Interning for the immutable facts many objects share (the 10 local PVs of a node have one node
 * affinity; nearly every PV has the same access modes). One shared copy per key instead of one per
 * object keeps the per-PV footprint small and the hot data compact.
 *
 * Values are held weakly: once no entry uses a value the GC may collect it, and the key goes with
 * it, so a long-running extender in a cluster with node churn does not accumulate the affinities
 * of nodes long gone.
 */
export class Interner<V extends object> {
  readonly #values = new Map<string, WeakRef<V>>();
  readonly #registry = new FinalizationRegistry<string>((key) => {
    // A newer value may have taken the key since this one died: only drop a dead reference.
    if (this.#values.get(key)?.deref() === undefined) this.#values.delete(key);
  });

  /** The shared value for `key`, made by `make` when none is alive. */
  get(key: string, make: () => V): V {
    const hit = this.#values.get(key)?.deref();
    if (hit !== undefined) return hit;
    const v = make();
    this.#values.set(key, new WeakRef(v));
    this.#registry.register(v, key);
    return v;
  }

  /** Keys currently mapped (live or not yet finalized), for tests and metrics. */
  get size(): number {
    return this.#values.size;
  }
}
