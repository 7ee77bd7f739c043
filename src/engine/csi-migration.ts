/**
 * R3.8: CSI migration of in-tree PVs. When a node's CSINode lists the PV's in-tree plugin in
 * `storage.alpha.kubernetes.io/migrated-plugins`, kube-scheduler checks the node affinity of the
 * PV translated to its CSI form: zone topology moves to the CSI driver's topology key (taken from
 * the PV's zone label when the PV has no zone affinity), and a beta region key becomes the GA one.
 * Behaviour follows csi-translation-lib's translateTopologyFromInTreeToCSI, written anew here.
 */
import { type CompiledSelector, compileNodeSelector } from './selectors.js';
import type { NodeSelector, NodeSelectorTerm, PersistentVolume } from './types.js';

export const MigratedPluginsAnnotation = 'storage.alpha.kubernetes.io/migrated-plugins';

const ZONE_GA = 'topology.kubernetes.io/zone';
const ZONE_BETA = 'failure-domain.beta.kubernetes.io/zone';
const REGION_GA = 'topology.kubernetes.io/region';
const REGION_BETA = 'failure-domain.beta.kubernetes.io/region';
/** Multi-zone (regional) disks list their zones joined by this in the zone label. */
const MULTI_ZONE_DELIMITER = '__';

interface MigratablePlugin {
  /** The PV spec field of the in-tree source. */
  readonly source: string;
  /** In-tree plugin name, as listed in the CSINode annotation. */
  readonly plugin: string;
  /** Topology key of the CSI driver the plugin migrates to. */
  readonly topologyKey: string;
}

export const MIGRATABLE_PLUGINS: readonly MigratablePlugin[] = [
  { source: 'gcePersistentDisk', plugin: 'kubernetes.io/gce-pd', topologyKey: 'topology.gke.io/zone' },
  { source: 'awsElasticBlockStore', plugin: 'kubernetes.io/aws-ebs', topologyKey: 'topology.ebs.csi.aws.com/zone' },
  { source: 'azureDisk', plugin: 'kubernetes.io/azure-disk', topologyKey: 'topology.disk.csi.azure.com/zone' },
  { source: 'cinder', plugin: 'kubernetes.io/cinder', topologyKey: 'topology.cinder.csi.openstack.org/zone' },
];

export function migratablePlugin(pv: PersistentVolume): MigratablePlugin | undefined {
  const spec = pv.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  return MIGRATABLE_PLUGINS.find((p) => spec[p.source] !== undefined && spec[p.source] !== null);
}

function terms(sel: NodeSelector | null | undefined): readonly NodeSelectorTerm[] {
  return sel?.nodeSelectorTerms ?? [];
}

function keyInAffinity(key: string, sel: NodeSelector | null | undefined): boolean {
  return terms(sel).some((t) => (t.matchExpressions ?? []).some((r) => r.key === key));
}

function valuesInAffinity(key: string, sel: NodeSelector | null | undefined): string[] {
  const out = new Set<string>();
  for (const t of terms(sel)) for (const r of t.matchExpressions ?? []) if (r.key === key) for (const v of r.values ?? []) out.add(v);
  return [...out];
}

function pick(ga: string, beta: string, sel: NodeSelector | null | undefined, labels: Record<string, string>): string {
  if (keyInAffinity(ga, sel)) return ga;
  if (keyInAffinity(beta, sel)) return beta;
  return Object.hasOwn(labels, ga) ? ga : beta;
}

function replaceKey(sel: NodeSelector, from: string, to: string): void {
  for (const t of sel.nodeSelectorTerms ?? []) for (const r of t.matchExpressions ?? []) if (r.key === from) r.key = to;
}

/** The translated `nodeAffinity.required` of a migratable PV (input not modified). */
export function translatedAffinity(pv: PersistentVolume, topologyKey: string): NodeSelector | null {
  const labels = pv.metadata?.labels ?? {};
  const required: NodeSelector | null = structuredClone(pv.spec?.nodeAffinity?.required ?? null);
  const zoneKey = pick(ZONE_GA, ZONE_BETA, required, labels);
  const regionKey = pick(REGION_GA, REGION_BETA, required, labels);
  let out = required;
  if (valuesInAffinity(zoneKey, out).length > 0) {
    replaceKey(out!, zoneKey, topologyKey);
  } else if (Object.hasOwn(labels, zoneKey)) {
    const zones = [...new Set((labels[zoneKey] ?? '').split(MULTI_ZONE_DELIMITER).map((z) => z.trim()).filter((z) => z !== ''))];
    if (zones.length > 0) {
      out ??= {};
      const ts = out.nodeSelectorTerms && out.nodeSelectorTerms.length > 0 ? out.nodeSelectorTerms : [{}];
      out.nodeSelectorTerms = ts.map((t) => ({ ...t, matchExpressions: [...(t.matchExpressions ?? []), { key: topologyKey, operator: 'In', values: zones }] }));
    }
  }
  if (regionKey === REGION_BETA && out && valuesInAffinity(REGION_BETA, out).length > 0) replaceKey(out, REGION_BETA, REGION_GA);
  return out;
}

export interface Migration {
  readonly plugin: string;
  readonly affinity: CompiledSelector;
}

/** Precomputed migration facts of a PV (undefined for PVs that are not migratable). */
export function migrationOf(pv: PersistentVolume): Migration | undefined {
  const p = migratablePlugin(pv);
  if (!p) return undefined;
  const t = translatedAffinity(pv, p.topologyKey);
  return { plugin: p.plugin, affinity: t ? compileNodeSelector(t) : compileNodeSelector(null) };
}

/** Parses the CSINode annotation into the set of migrated in-tree plugins. */
export function parseMigratedPlugins(value: string | undefined): ReadonlySet<string> {
  if (!value) return EMPTY;
  return new Set(value.split(',').filter((s) => s !== ''));
}

const EMPTY: ReadonlySet<string> = new Set();
export const NO_MIGRATED_PLUGINS = EMPTY;
