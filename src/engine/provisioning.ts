/** Dynamic provisioning checks for delay-binding claims (R5.5) and CSIStorageCapacity (R5.6). */
import type { ClaimInfo } from './claims.js';
import { EngineError } from './errors.js';
import { formatBytes } from './quantity.js';
import { explainMismatch, formatSelector, selectorMatches } from './selectors.js';
import { NotSupportedProvisioner } from './types.js';
import type { CapacityEntry, ClusterView, NodeLike } from './view.js';

export type ProvisionCheck =
  | { readonly ok: true; readonly capacity: CapacityEntry | undefined; readonly detail: string }
  | { readonly ok: false; readonly code: 'bind_conflict' | 'not_enough_space'; readonly detail: string };

// Without explanations (the filter hot path, once per node and claim) the answers carry no
// detail, so all but "admitted by this CSIStorageCapacity" are shared constants.
/** Admitted with no detail and no admitting CSIStorageCapacity: capacity not tracked, or the caller does not want the entry. */
const OK_UNCHECKED: ProvisionCheck = Object.freeze({ ok: true, capacity: undefined, detail: '' });
const CONFLICT: ProvisionCheck = Object.freeze({ ok: false, code: 'bind_conflict', detail: '' });
const NO_SPACE: ProvisionCheck = Object.freeze({ ok: false, code: 'not_enough_space', detail: '' });

/** R5.6: whether some CSIStorageCapacity reachable from the node can hold the claim. */
function capacityCheck(claim: ClaimInfo, provisioner: string, node: NodeLike, view: ClusterView, explain: boolean, wantCapacity: boolean): ProvisionCheck {
  if (claim.request === undefined) return explain ? { ok: true, capacity: undefined, detail: 'claim requests no size, so capacity is not checked' } : OK_UNCHECKED;
  const driver = view.csiDriver(provisioner);
  if (!driver) return explain ? { ok: true, capacity: undefined, detail: `no CSIDriver "${provisioner}", so capacity is not tracked` } : OK_UNCHECKED;
  if (driver.spec?.storageCapacity !== true) {
    return explain ? { ok: true, capacity: undefined, detail: `CSIDriver ${provisioner} does not publish storage capacity` } : OK_UNCHECKED;
  }
  const request = claim.request;
  const reachable = view.capacityClass(claim.className).reachableFrom(node.labels);
  for (const c of reachable) {
    if (c.limit !== undefined && c.limit >= request) {
      if (!explain && !wantCapacity) return OK_UNCHECKED;
      return { ok: true, capacity: c, detail: explain ? `CSIStorageCapacity ${c.key} offers ${formatBytes(c.limit)} for ${formatBytes(request)}` : '' };
    }
  }
  if (!explain) return NO_SPACE;
  const seen = reachable.map((c) => `${c.key} ${c.limit === undefined ? 'has no capacity' : `has ${formatBytes(c.limit)}`}`);
  const unreachable = [...view.capacityClass(claim.className).all()].filter((c) => !selectorMatches(c.topology, node.labels)).length;
  const tail = seen.length > 0 ? `reachable: ${seen.join(', ')}` : 'none is reachable from this node';
  return {
    ok: false,
    code: 'not_enough_space',
    detail: `no CSIStorageCapacity of class ${claim.className} on node ${node.name} has ${formatBytes(request)} (${tail}${unreachable > 0 ? `; ${unreachable} other(s) cover other topology` : ''})`,
  };
}

/**
 * R5.5 for one claim. Throws EngineError for the two error cases. With `wantCapacity` false (and no
 * explanation) an admitted claim's `capacity` is left undefined: the verdict-only filter path then
 * allocates nothing per node.
 */
export function checkProvision(claim: ClaimInfo, node: NodeLike, view: ClusterView, explain: boolean, wantCapacity = true): ProvisionCheck {
  if (claim.className === '') throw new EngineError(`no class for claim "${claim.key}"`);
  const sc = view.storageClass(claim.className);
  if (!sc) throw new EngineError(`failed to find storage class "${claim.className}"`);
  if (sc.provisioner === '' || sc.provisioner === NotSupportedProvisioner) {
    return explain ? { ok: false, code: 'bind_conflict', detail: `StorageClass ${sc.name} cannot provision (provisioner "${sc.provisioner}")` } : CONFLICT;
  }
  if (!selectorMatches(sc.allowedTopologies, node.labels)) {
    return explain ? { ok: false, code: 'bind_conflict', detail: `StorageClass ${sc.name} allowedTopologies ${explainMismatch(sc.allowedTopologies, node.labels, node.name)}` } : CONFLICT;
  }
  const cap = capacityCheck(claim, sc.provisioner, node, view, explain, wantCapacity);
  if (!cap.ok || !explain) return cap;
  const topo = sc.allowedTopologies.all ? '' : ` (allowedTopologies ${formatSelector(sc.allowedTopologies)})`;
  return { ...cap, detail: `provision via StorageClass ${sc.name} (${sc.provisioner})${topo}; ${cap.detail}` };
}
