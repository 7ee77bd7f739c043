/**
 * Brute-force reference filter: the same decision as engine/filter.ts, but without the per-class
 * PV index or the capacity topology index. For every node and every unbound WaitForFirstConsumer
 * claim it scans every PV of the claim's class in name order with upstream FindMatchingVolume's
 * check order (component-helpers/storage/volume/pv_helpers.go), keeping the smallest match; dynamic
 * provisioning scans every CSIStorageCapacity of the class. Used as the baseline of the
 * indexed/naive ratio and as a cross-check of the index (decisions must be identical).
 */
import { type ClaimInfo, preparePod } from '../src/engine/claims.js';
import { selectorMatches } from '../src/engine/selectors.js';
import { NotSupportedProvisioner, type Pod } from '../src/engine/types.js';
import type { CapacityEntry, ClusterView, NodeLike, PVEntry } from '../src/engine/view.js';

export interface NaiveNodeResult {
  readonly node: string;
  readonly fits: boolean;
  readonly codes: readonly string[];
  /** `claimKey=pvName` for every static binding, in matching order. */
  readonly bindings: readonly string[];
  /** Claim keys to provision. */
  readonly provisions: readonly string[];
}

export interface NaiveDecision {
  readonly kind: string;
  readonly nodes: readonly NaiveNodeResult[];
}

class NaiveError extends Error {}

/** The class's PV list in name order, as a lister would hand it over (built once per class). */
export class NaiveLister {
  readonly #byClass = new Map<string, PVEntry[]>();
  readonly #caps = new Map<string, CapacityEntry[]>();
  constructor(private readonly view: ClusterView) {}

  pvs(className: string): readonly PVEntry[] {
    let list = this.#byClass.get(className);
    if (!list) {
      list = [...this.view.pvClass(className).all()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      this.#byClass.set(className, list);
    }
    return list;
  }

  capacities(className: string): readonly CapacityEntry[] {
    let list = this.#caps.get(className);
    if (!list) {
      list = [...this.view.capacityClass(className).all()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      this.#caps.set(className, list);
    }
    return list;
  }
}

function isBoundToClaim(pv: PVEntry, claim: ClaimInfo): boolean {
  if (pv.claimKey !== claim.key) return false;
  return pv.claimUid === '' || pv.claimUid === (claim.pvc.metadata?.uid ?? '');
}

/** upstream FindMatchingVolume, node != nil, delayBinding = true. */
function findMatchingVolume(claim: ClaimInfo, volumes: readonly PVEntry[], node: NodeLike, excluded: ReadonlySet<string>): PVEntry | undefined {
  if (claim.selectorError !== undefined) throw new NaiveError(claim.selectorError);
  const requested = claim.request ?? 0;
  let smallest: PVEntry | undefined;
  for (const volume of volumes) {
    if (excluded.has(volume.name)) continue;
    if (volume.claimKey !== undefined && !isBoundToClaim(volume, claim)) continue;
    if (volume.capacity < requested) continue;
    if (volume.volumeMode !== claim.volumeMode) continue;
    if (volume.volumeAttributesClass !== claim.volumeAttributesClass) continue;
    if (volume.deleting) continue;
    const nodeAffinityValid = selectorMatches(volume.affinity, node.labels);
    if (volume.claimKey !== undefined && isBoundToClaim(volume, claim)) return nodeAffinityValid ? volume : undefined;
    if (volume.phase !== 'Available') continue;
    if (claim.selector !== undefined && !selectorMatches(claim.selector, volume.labels)) continue;
    if (volume.className !== claim.className) continue;
    if (!nodeAffinityValid) continue;
    let modesOK = true;
    for (const m of claim.accessModes) if (!volume.accessModes.has(m)) modesOK = false;
    if (!modesOK) continue;
    if (smallest === undefined || smallest.capacity > volume.capacity) smallest = volume;
  }
  return smallest;
}

type Provision = { ok: true } | { ok: false; code: 'bind_conflict' | 'not_enough_space' };

function checkProvision(claim: ClaimInfo, node: NodeLike, view: ClusterView, lister: NaiveLister): Provision {
  if (claim.className === '') throw new NaiveError(`no class for claim "${claim.key}"`);
  const sc = view.storageClass(claim.className);
  if (!sc) throw new NaiveError(`failed to find storage class "${claim.className}"`);
  if (sc.provisioner === '' || sc.provisioner === NotSupportedProvisioner) return { ok: false, code: 'bind_conflict' };
  if (!selectorMatches(sc.allowedTopologies, node.labels)) return { ok: false, code: 'bind_conflict' };
  if (claim.request === undefined) return { ok: true };
  const driver = view.csiDriver(sc.provisioner);
  if (driver?.spec?.storageCapacity !== true) return { ok: true };
  for (const c of lister.capacities(claim.className)) {
    if (!selectorMatches(c.topology, node.labels)) continue;
    if (c.limit !== undefined && c.limit >= claim.request) return { ok: true };
  }
  return { ok: false, code: 'not_enough_space' };
}

const byRequest = (a: ClaimInfo, b: ClaimInfo): number => (a.request ?? 0) - (b.request ?? 0);

function evaluateNode(bound: readonly ClaimInfo[], delay: readonly ClaimInfo[], node: NodeLike, view: ClusterView, lister: NaiveLister): NaiveNodeResult {
  let boundSatisfied = true;
  let pvsFound = true;
  let unboundSatisfied = true;
  let sufficient = true;
  const bindings: string[] = [];
  const provisions: string[] = [];
  for (const c of bound) {
    const pv = view.pv(c.volumeName);
    if (!pv) {
      pvsFound = false;
      break;
    }
    if (!selectorMatches(pv.affinity, node.labels)) {
      boundSatisfied = false;
      break;
    }
  }
  partB: if (delay.length > 0) {
    const toProvision: ClaimInfo[] = [];
    const toMatch: ClaimInfo[] = [];
    for (const c of delay) {
      if (c.selectedNode !== undefined) {
        if (c.selectedNode !== node.name) {
          unboundSatisfied = false;
          break partB;
        }
        toProvision.push(c);
      } else toMatch.push(c);
    }
    const chosen = new Set<string>();
    for (const c of [...toMatch].sort(byRequest)) {
      const pv = findMatchingVolume(c, lister.pvs(c.className), node, chosen);
      if (pv) {
        chosen.add(pv.name);
        bindings.push(`${c.key}=${pv.name}`);
      } else {
        unboundSatisfied = false;
        toProvision.push(c);
      }
    }
    if (toProvision.length > 0) {
      unboundSatisfied = true;
      for (const c of toProvision) {
        const check = checkProvision(c, node, view, lister);
        if (!check.ok) {
          provisions.length = 0;
          if (check.code === 'bind_conflict') unboundSatisfied = false;
          else sufficient = false;
          break;
        }
        provisions.push(c.key);
      }
    }
  }
  const codes: string[] = [];
  if (!boundSatisfied) codes.push('node_affinity_conflict');
  if (!unboundSatisfied) codes.push('bind_conflict');
  if (!sufficient) codes.push('not_enough_space');
  if (!pvsFound) codes.push('pv_not_exist');
  const fits = codes.length === 0;
  return { node: node.name, fits, codes, bindings: fits ? bindings : [], provisions: fits ? provisions : [] };
}

export function naiveFilterPod(pod: Pod, nodes: readonly NodeLike[], view: ClusterView, lister: NaiveLister): NaiveDecision {
  const prep = preparePod(pod, view);
  if (prep.kind !== 'ready') {
    return { kind: prep.kind, nodes: nodes.map((n) => ({ node: n.name, fits: prep.kind === 'skip', codes: [], bindings: [], provisions: [] })) };
  }
  try {
    return { kind: 'evaluated', nodes: nodes.map((n) => evaluateNode(prep.claims.bound, prep.claims.delay, n, view, lister)) };
  } catch (e) {
    if (e instanceof NaiveError) return { kind: 'error', nodes: nodes.map((n) => ({ node: n.name, fits: false, codes: [], bindings: [], provisions: [] })) };
    throw e;
  }
}
