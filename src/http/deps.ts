/** What the HTTP layer needs from the rest of the process (wired by createApp's caller). */
import type { Logger } from 'pino';
import type { Binder } from '../bind/binder.js';
import type { ScoringPolicy } from '../engine/score.js';
import type { Pod } from '../engine/types.js';
import type { ClusterView, NodeLike } from '../engine/view.js';
import type { ExtenderMetrics } from './metrics.js';

export interface ReadyState {
  readonly ready: boolean;
  readonly reason?: string;
}

export interface AppDeps {
  readonly view: ClusterView;
  readonly binder: Binder;
  /** Read on every prioritize call, so a reloaded policy takes effect at once. */
  readonly policy: () => ScoringPolicy;
  readonly logger: Logger;
  readonly metrics: ExtenderMetrics;
  /** URL prefix of the verbs (the extender's `urlPrefix` path). Default "/scheduler". */
  readonly prefix?: string;
  readonly ready: () => ReadyState;
  /**
   * express.json limit. Default "20mb": ample for nodeCacheCapable: true (a pod plus ~30 bytes
   * per node name) and for a few hundred full Node objects with nodeCacheCapable: false.
   */
  readonly bodyLimit?: string | number;
  /**
   * Called (after the decision is made) when filter rejects every offered node for volume
   * reasons, so live mode can record an explanatory Event on the pod.
   */
  readonly onFilterRejected?: (pod: Pod, nodes: readonly NodeLike[]) => void;
}

/** The subset the verb handlers use. */
export type VerbDeps = Pick<AppDeps, 'view' | 'binder' | 'policy' | 'metrics' | 'onFilterRejected'>;
