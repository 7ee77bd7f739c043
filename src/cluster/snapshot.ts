/**
 * Snapshot source: Kubernetes objects from a YAML or JSON file — multi-document YAML, `kind: List`
 * (what `kubectl get nodes,pv,pvc,storageclasses,csidrivers,csistoragecapacities,csinodes,pods -A -o yaml`
 * prints), typed lists (`NodeList`…), or a JSON array. Unknown kinds are counted and skipped.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../engine/types.js';
import { ClusterStore, isKind, type Kind } from './store.js';

/** The example cluster bundled with the package: the default source when no cluster is configured. */
export const EMBEDDED_SNAPSHOT = fileURLToPath(new URL('../../examples/cluster.yaml', import.meta.url));

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

export interface SnapshotSummary {
  readonly source: string;
  readonly counts: Record<Kind, number>;
  /** Objects of kinds the extender does not use, by kind. */
  readonly ignored: Readonly<Record<string, number>>;
}

function flatten(doc: unknown, where: string, out: KubeObject[]): void {
  if (doc === null || doc === undefined) return;
  if (Array.isArray(doc)) {
    doc.forEach((d, i) => {
      flatten(d, `${where}[${i}]`, out);
    });
    return;
  }
  if (typeof doc !== 'object') throw new SnapshotError(`${where}: expected a Kubernetes object or list, got ${typeof doc}`);
  const obj = doc as KubeObject & { items?: unknown };
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
    const itemKind = obj.kind === 'List' ? undefined : obj.kind.slice(0, -'List'.length);
    obj.items.forEach((item, i) => {
      if (itemKind && item && typeof item === 'object' && !(item as KubeObject).kind) (item as KubeObject).kind = itemKind;
      flatten(item, `${where}.items[${i}]`, out);
    });
    return;
  }
  if (typeof obj.kind !== 'string') throw new SnapshotError(`${where}: object has no "kind"`);
  if (!obj.metadata?.name) throw new SnapshotError(`${where}: ${obj.kind} has no metadata.name`);
  out.push(obj);
}

/** Parses snapshot text into objects. Throws SnapshotError with file:line on bad input. */
export function parseSnapshot(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new SnapshotError(`${source}: invalid JSON: ${(e as Error).message}`);
    }
    flatten(parsed, source, out);
    return out;
  }
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false });
  if (!Array.isArray(docs)) throw new SnapshotError(`${source}: not a YAML stream`);
  docs.forEach((d, i) => {
    const err = d.errors[0];
    if (err) {
      const pos = lc.linePos(err.pos[0]);
      throw new SnapshotError(`${source}:${pos.line}:${pos.col}: invalid YAML: ${err.message.split('\n')[0] ?? err.message}`);
    }
    const line = lc.linePos(d.contents?.range[0] ?? d.range[0]).line;
    flatten(d.toJS({ maxAliasCount: 1000 }), `${source}:${line} (document ${i + 1})`, out);
  });
  return out;
}

export function loadIntoStore(objs: readonly KubeObject[], store: ClusterStore, source: string): SnapshotSummary {
  const ignored: Record<string, number> = {};
  for (const o of objs) {
    const kind = o.kind;
    if (isKind(kind)) store.upsert(kind, o);
    else ignored[String(kind)] = (ignored[String(kind)] ?? 0) + 1;
  }
  return { source, counts: store.counts(), ignored };
}

export function loadSnapshotFile(path: string, store = new ClusterStore()): { store: ClusterStore; summary: SnapshotSummary } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SnapshotError(code === 'ENOENT' ? `snapshot file not found: ${path}` : `cannot read snapshot ${path}: ${(e as Error).message}`);
  }
  const objs = parseSnapshot(text, path);
  return { store, summary: loadIntoStore(objs, store, path) };
}
