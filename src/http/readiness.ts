/**
 * Readiness as a set of named conditions (e.g. "informers", "shutdown"): ready when none is
 * failing; the reported reason is the first failing one. `state` plugs into AppDeps.ready.
 */
import type { ReadyState } from './deps.js';

export class Readiness {
  readonly #failing = new Map<string, string>();

  /** Marks `name` ready (ok=true) or not, with a reason shown by /readyz. */
  set(name: string, ok: boolean, reason = name): void {
    if (ok) this.#failing.delete(name);
    else this.#failing.set(name, reason);
  }

  readonly state = (): ReadyState => {
    for (const reason of this.#failing.values()) return { ready: false, reason };
    return { ready: true };
  };
}
