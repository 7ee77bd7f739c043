/**
 * Kubernetes Events for what users otherwise cannot see: bind outcomes, and filter rejections
 * that kube-scheduler would only report as "N node(s) didn't find available persistent volumes to
 * bind". Rate-limited per (object, reason) and fire-and-forget: an Event failure never fails a
 * scheduling decision.
 */
import type { Logger } from 'pino';
import type { BindEventSink } from '../bind/live-binder.js';
import type { Pod } from '../engine/types.js';
import type { EventSpec, KubeWriter } from './api.js';

export interface EventRecorderOptions {
  /** Minimum time between two events with the same object and reason. */
  readonly minIntervalMs: number;
  /** Bound on remembered keys (oldest forgotten first). */
  readonly maxKeys: number;
}

export class EventRecorder implements BindEventSink {
  readonly #writer: KubeWriter;
  readonly #log: Logger;
  readonly #opts: EventRecorderOptions;
  readonly #now: () => number;
  readonly #last = new Map<string, number>();

  constructor(writer: KubeWriter, logger: Logger, opts: Partial<EventRecorderOptions> = {}, now: () => number = Date.now) {
    this.#writer = writer;
    this.#log = logger;
    this.#opts = { minIntervalMs: 60_000, maxKeys: 10_000, ...opts };
    this.#now = now;
  }

  /** Whether an event for (uid, reason) would be emitted now (lets callers skip building it). */
  wouldEmit(uid: string, reason: string): boolean {
    const last = this.#last.get(`${uid}|${reason}`);
    return last === undefined || this.#now() - last >= this.#opts.minIntervalMs;
  }

  /** Emits unless an event with the same key was emitted within minIntervalMs. Returns whether it was sent. */
  emit(ev: EventSpec): boolean {
    const key = `${ev.involved.uid}|${ev.reason}`;
    const now = this.#now();
    const last = this.#last.get(key);
    if (last !== undefined && now - last < this.#opts.minIntervalMs) return false;
    this.#last.delete(key);
    this.#last.set(key, now);
    if (this.#last.size > this.#opts.maxKeys) {
      const oldest = this.#last.keys().next().value;
      if (oldest !== undefined) this.#last.delete(oldest);
    }
    this.#writer.createEvent(ev).catch((e: unknown) => {
      this.#log.warn({ err: e instanceof Error ? e.message : String(e), reason: ev.reason }, 'could not record event');
    });
    return true;
  }

  forPod(pod: Pod, type: EventSpec['type'], reason: string, message: string): boolean {
    const m = pod.metadata ?? {};
    return this.emit({
      namespace: m.namespace ?? 'default',
      involved: { kind: 'Pod', name: m.name ?? '', namespace: m.namespace ?? 'default', uid: m.uid ?? '' },
      type,
      reason,
      message,
    });
  }

  bindSucceeded(pod: Pod, node: string, summary: string): void {
    this.forPod(pod, 'Normal', 'VolumesBound', `volumes for node ${node}: ${summary}`);
  }

  bindFailed(pod: Pod, node: string, error: string): void {
    this.forPod(pod, 'Warning', 'VolumeBindingFailed', `binding to node ${node} failed: ${error}`);
  }
}

/** Reason of the pod Event explaining a filter rejection on every offered node. */
export const REJECTION_REASON = 'VolumeTopologyMismatch';
