/**
 * R10.3 checkBindings: after the binder's writes, decide from the informer (API) copies whether
 * every claim is bound, still pending, or failed (so the scheduler must retry).
 */
import { isFullyBound } from './claims.js';
import { migrationOf } from './csi-migration.js';
import { compilePVAffinity, selectorMatches } from './selectors.js';
import { AnnSelectedNode, type Node, type PersistentVolume, type PersistentVolumeClaim, type Pod } from './types.js';

export interface WrittenBinding {
  readonly pv: string;
  readonly claimNamespace: string;
  readonly claimName: string;
  /** resourceVersion the API server returned for our PV write. */
  readonly writtenRV: string;
}

export interface WrittenProvision {
  readonly claimNamespace: string;
  readonly claimName: string;
  readonly writtenRV: string;
}

export interface BindingWrites {
  readonly podNamespace: string;
  readonly podName: string;
  readonly node: string;
  readonly bindings: readonly WrittenBinding[];
  readonly provisions: readonly WrittenProvision[];
}

/** The informer-copy lookups the check needs (ClusterStore provides them). */
export interface ApiCopies {
  node(name: string): Node | undefined;
  pod(namespace: string, name: string): Pod | undefined;
  apiPV(name: string): PersistentVolume | undefined;
  apiPVC(namespace: string, name: string): PersistentVolumeClaim | undefined;
  migratedPlugins(nodeName: string): ReadonlySet<string>;
}

/**
 * The objects a waiting bind depends on: a change to anything else cannot change what
 * checkBindings answers. Provisioned claims add their PV once the claim names it (volumeName),
 * so recompute after each check.
 */
export interface BindingDependencies {
  /** `namespace/name` */
  readonly pod: string;
  readonly node: string;
  /** `namespace/name` of every claim written. */
  readonly pvcs: ReadonlySet<string>;
  readonly pvs: ReadonlySet<string>;
}

export function bindingDependencies(w: BindingWrites, api: Pick<ApiCopies, 'apiPVC'>): BindingDependencies {
  const pvcs = new Set<string>();
  const pvs = new Set<string>();
  for (const b of w.bindings) {
    pvcs.add(`${b.claimNamespace}/${b.claimName}`);
    pvs.add(b.pv);
  }
  for (const p of w.provisions) {
    pvcs.add(`${p.claimNamespace}/${p.claimName}`);
    const volumeName = api.apiPVC(p.claimNamespace, p.claimName)?.spec?.volumeName;
    if (volumeName) pvs.add(volumeName);
  }
  return { pod: `${w.podNamespace}/${w.podName}`, node: w.node, pvcs, pvs };
}

/** Whether a store change to (kind, object key) can affect checkBindings for `deps`. */
export function dependsOn(deps: BindingDependencies, kind: string, key: string): boolean {
  switch (kind) {
    case 'Pod':
      return key === deps.pod;
    case 'Node':
    case 'CSINode':
      return key === deps.node;
    case 'PersistentVolumeClaim':
      return deps.pvcs.has(key);
    case 'PersistentVolume':
      return deps.pvs.has(key);
    default:
      return false;
  }
}

export type BindingCheck =
  | { readonly status: 'done' }
  | { readonly status: 'pending'; readonly waitingFor: string }
  | { readonly status: 'failed'; readonly error: string };

/** >0 when a is newer than b; resourceVersions compared as unsigned integers (versioner). */
export function compareRV(a: string, b: string): number {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return 0;
  const x = BigInt(a);
  const y = BigInt(b);
  return x > y ? 1 : x < y ? -1 : 0;
}

function affinityError(pv: PersistentVolume, node: Node, migrated: ReadonlySet<string>): string | undefined {
  const m = migrationOf(pv);
  const affinity = m && migrated.has(m.plugin) ? m.affinity : compilePVAffinity(pv);
  if (selectorMatches(affinity, node.metadata?.labels ?? {})) return undefined;
  return `pv "${pv.metadata?.name ?? ''}" node affinity doesn't match node "${node.metadata?.name ?? ''}": no matching NodeSelectorTerms`;
}

export function checkBindings(w: BindingWrites, api: ApiCopies): BindingCheck {
  const node = api.node(w.node);
  if (!node) return { status: 'failed', error: `failed to get node "${w.node}": node "${w.node}" not found` };
  if (!api.pod(w.podNamespace, w.podName)) {
    return { status: 'failed', error: `pod does not exist any more: pod "${w.podName}" not found` };
  }
  for (const b of w.bindings) {
    const pv = api.apiPV(b.pv);
    if (!pv) return { status: 'failed', error: `failed to check binding: persistentvolume "${b.pv}" not found` };
    const pvc = api.apiPVC(b.claimNamespace, b.claimName);
    if (!pvc) return { status: 'failed', error: `failed to check binding: persistentvolumeclaim "${b.claimNamespace}/${b.claimName}" not found` };
    if (compareRV(b.writtenRV, pv.metadata?.resourceVersion ?? '') > 0) return { status: 'pending', waitingFor: `PV ${b.pv} update to reach the cache` };
    const aff = affinityError(pv, node, api.migratedPlugins(w.node));
    if (aff) return { status: 'failed', error: aff };
    const ref = pv.spec?.claimRef;
    if (!ref?.uid) return { status: 'failed', error: `ClaimRef got reset for pv "${b.pv}"` };
    if (!isFullyBound(pvc)) return { status: 'pending', waitingFor: `PVC ${b.claimNamespace}/${b.claimName} to be bound to PV ${b.pv} by the PV controller` };
  }
  for (const p of w.provisions) {
    const pvc = api.apiPVC(p.claimNamespace, p.claimName);
    if (!pvc) return { status: 'failed', error: `failed to check provisioning pvc: persistentvolumeclaim "${p.claimNamespace}/${p.claimName}" not found` };
    if (compareRV(p.writtenRV, pvc.metadata?.resourceVersion ?? '') > 0) return { status: 'pending', waitingFor: `PVC ${p.claimName} update to reach the cache` };
    const ann = pvc.metadata?.annotations;
    if (!ann) return { status: 'failed', error: `selectedNode annotation reset for PVC "${p.claimName}"` };
    if (ann[AnnSelectedNode] !== w.node) return { status: 'failed', error: `provisioning failed for PVC "${p.claimName}"` };
    const volumeName = pvc.spec?.volumeName;
    if (volumeName) {
      const pv = api.apiPV(volumeName);
      if (!pv) return { status: 'pending', waitingFor: `provisioned PV ${volumeName} to reach the cache` };
      const aff = affinityError(pv, node, api.migratedPlugins(w.node));
      if (aff) return { status: 'failed', error: aff };
    }
    if (!isFullyBound(pvc)) return { status: 'pending', waitingFor: `PVC ${p.claimNamespace}/${p.claimName} to be provisioned and bound` };
  }
  return { status: 'done' };
}
