/**
 * A client-node `Watch` with hooks, handed to `ListWatch` (the ListWatch constructor takes the
 * Watch it uses, so this is the seam for everything the informer needs per connection).
 *
 * What it adds to client-node 2.0.1:
 * - extra query parameters (allowWatchBookmarks, a jittered timeoutSeconds);
 * - every event line goes through `hooks.event` first (pruning, last-event stamps) — so the
 *   ListWatch cache holds the pruned objects, not the raw ones;
 * - never opens a connection once its owner is stopped. ListWatch 2.0.1 keeps going after stop()
 *   in two places: its reconnect delay is not interrupted and is followed by a new watch, and a
 *   stop() while `watch()` is still connecting has no controller to abort yet (the request is
 *   assigned only after the response headers arrive). Both leave an open watch behind;
 * - a throw before the request (no current cluster, a failing credential plugin) becomes a
 *   `done(err)` instead of a rejected promise that nobody awaits (ListWatch calls its done handler
 *   without awaiting it, so such a rejection would be unhandled);
 * - the promise ListWatch's async event handler returns is caught: a malformed event (no
 *   metadata) would otherwise be an unhandled rejection, which ends a Node process by default.
 *   Events that are not objects are dropped; a throw in our own hook is reported, not swallowed
 *   (Watch's line handler treats any throw as a JSON parse error and ignores it).
 */
import { type KubeConfig, Watch } from '@kubernetes/client-node';

/** Identifies one watch request from start to close. */
export interface WatchHandle {
  readonly path: string;
  readonly query: Readonly<Record<string, string | number | boolean | undefined>>;
}

export interface WatchHooks {
  /** True when no new connection may be opened (owner stopped or replaced). */
  isStopped(): boolean;
  /** Extra query parameters for this request. */
  params(): Record<string, string | number | boolean>;
  /**
   * Called for every event before ListWatch sees it. Call `deliver` (synchronously) with the object
   * ListWatch should process, or not at all to drop the event.
   */
  event(phase: string, obj: object, deliver: (obj: object) => void): void;
  /** A watch request is about to be made. */
  begin(handle: WatchHandle): void;
  /**
   * The server answered 200: the stream is open until `closed`. `controller` aborts it. Also
   * called, right before the abort, for a stream that opened after the owner stopped.
   */
  connected(handle: WatchHandle, controller: AbortController): void;
  /** The request ended (err null: a clean close by the server). Also called when it never connected. */
  closed(handle: WatchHandle, err: unknown): void;
  /** The connect attempt is over (after `connected`, or after a `closed` with the failure). */
  settled(handle: WatchHandle): void;
  /** An unexpected throw or rejection in a handler, for logging. */
  handlerError(err: unknown): void;
}

function abortedController(): AbortController {
  const c = new AbortController();
  c.abort();
  return c;
}

export class HookedWatch extends Watch {
  readonly #hooks: WatchHooks;

  constructor(kc: KubeConfig, hooks: WatchHooks) {
    super(kc);
    this.#hooks = hooks;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => unknown,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const hooks = this.#hooks;
    // Returning a controller without calling done leaves the ListWatch idle: it only acts on done.
    if (hooks.isStopped()) return abortedController();
    const handle: WatchHandle = { path, query: { ...queryParams, ...hooks.params() } };
    const st = { finished: false };
    const onDone = (err: unknown): void => {
      if (st.finished) return;
      st.finished = true;
      hooks.closed(handle, err);
      done(err);
    };
    const onEvent = (phase: string, apiObj: unknown, watchObj?: unknown): void => {
      if (typeof apiObj !== 'object' || apiObj === null) {
        hooks.handlerError(new Error(`watch ${path}: dropped ${phase} event without an object`));
        return;
      }
      // Watch swallows anything thrown here as a JSON parse error; report it instead.
      try {
        hooks.event(phase, apiObj, (obj) => {
          const r: unknown = callback(phase, obj, watchObj);
          if (r instanceof Promise) r.catch((err: unknown) => { hooks.handlerError(err); });
        });
      } catch (err) {
        hooks.handlerError(err);
      }
    };
    hooks.begin(handle);
    let controller: AbortController;
    try {
      controller = await super.watch(path, handle.query, onEvent, onDone);
    } catch (err) {
      onDone(err);
      hooks.settled(handle);
      return abortedController();
    }
    if (!st.finished) {
      hooks.connected(handle, controller);
      if (hooks.isStopped()) controller.abort(); // stop() raced with the connect
    }
    hooks.settled(handle);
    return controller;
  }
}
