/**
 * When filter rejects every offered node, kube-scheduler only shows a histogram such as
 * "0/12 nodes are available: 12 node(s) didn't find available persistent volumes to bind."
 * This reporter adds a rate-limited pod Event that names the claim, the PV or StorageClass and
 * the label at fault, for a few sample nodes. It runs after the response is sent.
 */
import type { Logger } from 'pino';
import { filterPod } from '../engine/filter.js';
import type { Pod } from '../engine/types.js';
import type { ClusterView, NodeLike } from '../engine/view.js';
import { type EventRecorder, REJECTION_REASON } from './events.js';

const SAMPLE_NODES = 3;

export type RejectionReporter = (pod: Pod, nodes: readonly NodeLike[]) => void;

/** Builds the Event message (pure, exported for tests). */
export function rejectionMessage(pod: Pod, nodes: readonly NodeLike[], view: ClusterView): string {
  const sample = nodes.slice(0, SAMPLE_NODES);
  const d = filterPod(pod, sample, view, { explain: true });
  const perNode = d.nodes.map((n) => `node ${n.node}: ${n.explanation.join('; ') || n.reasons.join(', ')}`);
  const more = nodes.length > sample.length ? ` (and ${nodes.length - sample.length} more node(s))` : '';
  return `0/${nodes.length} offered node(s) can satisfy the pod's volumes. ${perNode.join(' | ')}${more}`;
}

export function rejectionReporter(recorder: EventRecorder, view: ClusterView, logger: Logger): RejectionReporter {
  return (pod, nodes) => {
    const uid = pod.metadata?.uid ?? '';
    if (nodes.length === 0 || !recorder.wouldEmit(uid, REJECTION_REASON)) return;
    setImmediate(() => {
      try {
        recorder.forPod(pod, 'Warning', REJECTION_REASON, rejectionMessage(pod, nodes, view));
      } catch (e) {
        logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not build rejection event');
      }
    });
  };
}
