/** The bind verb's contract: one implementation per cluster source. */

export interface BindRequest {
  readonly podName: string;
  readonly podNamespace: string;
  readonly podUid: string;
  readonly node: string;
}

export interface BindResult {
  /** Empty on success; otherwise what failed (sent back as the extender `Error`). */
  readonly error: string;
  /** Bounded outcome label for metrics. */
  readonly outcome: 'bound' | 'already_bound' | 'no_volumes' | 'rejected' | 'conflict' | 'error' | 'timeout';
}

export interface Binder {
  bind(req: BindRequest, signal?: AbortSignal): Promise<BindResult>;
}
