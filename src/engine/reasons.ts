/** Upstream reason strings (byte-for-byte, Kubernetes ≥1.33) and bounded reason codes for metrics. */

export const ErrReasonNodeConflict = "node(s) didn't match PersistentVolume's node affinity";
export const ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
export const ErrReasonNotEnoughSpace = 'node(s) did not have enough free storage';
export const ErrReasonPVNotExist = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ErrReasonUnboundImmediate = 'pod has unbound immediate PersistentVolumeClaims';

/** Bounded set of codes used as metric labels (never node or pod names). */
export type ReasonCode =
  | 'node_affinity_conflict'
  | 'bind_conflict'
  | 'not_enough_space'
  | 'pv_not_exist'
  | 'claim_not_found'
  | 'ephemeral_claim_pending'
  | 'claim_lost'
  | 'claim_deleting'
  | 'ephemeral_not_owned'
  | 'unbound_immediate'
  | 'unknown_node';

/** R6.1 fixed order of per-node reasons. */
export const NODE_REASON_ORDER: readonly [ReasonCode, string][] = [
  ['node_affinity_conflict', ErrReasonNodeConflict],
  ['bind_conflict', ErrReasonBindConflict],
  ['not_enough_space', ErrReasonNotEnoughSpace],
  ['pv_not_exist', ErrReasonPVNotExist],
];

export function unknownNodeReason(name: string): string {
  return `node "${name}" is not in the volume-topology extender's node cache yet (informer lag?); retry`;
}
