/**
 * Structural sharing for stored objects. In a large cluster most PVs and PVCs repeat the same
 * parts: the 10 local PVs of a node share one nodeAffinity, nearly all have the same access modes,
 * a handful of capacities, annotations and statuses. On upsert, those parts are replaced by one
 * frozen copy per distinct JSON value, so 50,000 PVs hold a few thousand subtrees instead of
 * 50,000 of each.
 *
 * Safe because stored objects are never mutated: every writer clones first (bind-plan,
 * snapshot-binder use structuredClone) and pruning happens before upsert. The shared copies are
 * deep-frozen so that a stray in-place write throws instead of changing other objects.
 */
import { Interner } from '../engine/intern.js';
import type { KubeObject } from '../engine/types.js';
import type { Kind } from './store.js';

type Json = Record<string, unknown> | unknown[];

const shared = new Interner<Json>();

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}

/** The shared frozen copy of `value` (an object or array), by JSON value. */
export function sharedValue<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  const json = JSON.stringify(value);
  return shared.get(json, () => deepFreeze(JSON.parse(json) as Json)) as T;
}

/** Object parts worth sharing, per kind: `[container path, field]`. */
const SHARED_PARTS: Partial<Record<Kind, readonly (readonly [readonly string[], string])[]>> = {
  PersistentVolume: [
    [['metadata'], 'labels'],
    [['metadata'], 'annotations'],
    [['spec'], 'nodeAffinity'],
    [['spec'], 'accessModes'],
    [['spec'], 'capacity'],
    [['spec'], 'mountOptions'],
    [['spec'], 'local'],
    [[], 'status'],
  ],
  PersistentVolumeClaim: [
    [['metadata'], 'labels'],
    [['metadata'], 'annotations'],
    [['spec'], 'accessModes'],
    [['spec'], 'resources'],
    [['spec'], 'selector'],
    [[], 'status'],
  ],
};

/**
 * Replaces the shareable parts of `obj` (which the store now owns) with shared frozen copies, in
 * place, and returns it. Kinds without shareable parts are returned untouched.
 */
export function shareParts<T extends KubeObject>(kind: Kind, obj: T): T {
  const parts = SHARED_PARTS[kind];
  if (parts === undefined) return obj;
  for (const [path, field] of parts) {
    let container: unknown = obj;
    for (const p of path) container = (container as Record<string, unknown> | undefined)?.[p];
    if (container === null || typeof container !== 'object' || Object.isFrozen(container)) continue;
    const c = container as Record<string, unknown>;
    const v = c[field];
    if (v !== null && typeof v === 'object') c[field] = sharedValue(v);
  }
  return obj;
}
