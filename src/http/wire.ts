/**
 * Extender wire types (kube-scheduler `k8s.io/kube-scheduler/extender/v1`, §15).
 *
 * The upstream structs carry no JSON tags, so their keys are the Go field names (`Pod`,
 * `NodeNames`, `PodUID`, …) and Go's decoder matches them case-insensitively. We therefore fold
 * the keys of the extender structs (args, Victims, MetaVictims, MetaPod) case-insensitively,
 * and only those: embedded Kubernetes objects (Pod, Node) keep normal, case-sensitive JSON.
 *
 * Kubernetes objects are validated with `z.looseObject`, declaring only the fields the engine
 * reads; everything else passes through untouched. Responses are built here with the exact
 * PascalCase keys and `null` for absent pointers/maps, byte-for-byte like §15.3–15.6.
 */
import { z } from 'zod';
import type { Labels } from '../engine/selectors.js';
import type { Pod } from '../engine/types.js';

// ---- decoding helpers ---------------------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Renames the keys of a wire struct to their canonical Go field names, case-insensitively, and
 * drops keys that name no field (Go ignores unknown keys). When two keys fold to the same field
 * the later one wins, as with encoding/json.
 */
export function foldKeys(canonical: readonly string[]): (input: unknown) => unknown {
  const byFolded = new Map(canonical.map((k) => [k.toLowerCase(), k]));
  return (input) => {
    if (!isPlainObject(input)) return input;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) {
      const field = byFolded.get(key.toLowerCase());
      if (field !== undefined) out[field] = value;
    }
    return out;
  };
}

/** A Go extender struct: keys folded case-insensitively onto `shape`'s field names. */
function goStruct<S extends z.ZodRawShape>(shape: S) {
  return z.preprocess(foldKeys(Object.keys(shape)), z.object(shape));
}

function isStringArray(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (const s of v) if (typeof s !== 'string') return false;
  return true;
}

const stringArray = z.custom<string[]>(isStringArray, {
  error: 'expected array of strings',
});

const nonEmptyString = z.string().min(1, { error: 'must be a non-empty string' });

// ---- Kubernetes objects (normal JSON; only the fields we read) ----------------------------

const OwnerReferenceSchema = z.looseObject({
  uid: z.string().exactOptional(),
  controller: z.boolean().nullable().exactOptional(),
});

const ObjectMetaSchema = z.looseObject({
  name: z.string().exactOptional(),
  namespace: z.string().exactOptional(),
  uid: z.string().exactOptional(),
  ownerReferences: z.array(OwnerReferenceSchema).nullable().exactOptional(),
});

const PodVolumeSchema = z.looseObject({
  name: z.string(),
  persistentVolumeClaim: z.looseObject({ claimName: z.string() }).nullable().exactOptional(),
  ephemeral: z.looseObject({}).nullable().exactOptional(),
});

/** The pod being scheduled: metadata is required (we need namespace/name/uid). */
export const PodSchema = z.looseObject({
  metadata: ObjectMetaSchema,
  spec: z
    .looseObject({
      nodeName: z.string().exactOptional(),
      volumes: z.array(PodVolumeSchema).nullable().exactOptional(),
    })
    .exactOptional(),
});

// Compile-time proof that a decoded pod is an engine Pod (no cast needed downstream).
const _podIsEnginePod: (p: z.output<typeof PodSchema>) => Pod = (p) => p;

const NodeSchema = z.looseObject({
  metadata: z.looseObject({
    name: nonEmptyString,
    labels: z.record(z.string(), z.string()).nullable().exactOptional(),
  }),
});

const NodeListSchema = z.looseObject({
  items: z.array(NodeSchema).nullable().exactOptional(),
});

/** A victim pod in `NodeNameToVictims` (nodeCacheCapable: false): we only need its UID. */
const VictimPodSchema = z.looseObject({
  metadata: z.looseObject({ uid: nonEmptyString }),
});

const VictimsSchema = goStruct({
  Pods: z.array(VictimPodSchema).nullish(),
  NumPDBViolations: z.number().int().nullish(),
});

const MetaPodSchema = goStruct({ UID: nonEmptyString });

const MetaVictimsSchema = goStruct({
  Pods: z.array(MetaPodSchema).nullish(),
  NumPDBViolations: z.number().int().nullish(),
});

// ---- extender args ------------------------------------------------------------------------

const ARGS_FIELDS = ['Pod', 'Nodes', 'NodeNames'] as const;
const foldArgs = foldKeys(ARGS_FIELDS);

export const ExtenderArgsSchema = goStruct({
  Pod: PodSchema,
  Nodes: NodeListSchema.nullish(),
  NodeNames: stringArray.nullish(),
});

export const ExtenderBindingArgsSchema = goStruct({
  PodName: nonEmptyString,
  PodNamespace: nonEmptyString,
  PodUID: nonEmptyString,
  Node: nonEmptyString,
});

export const ExtenderPreemptionArgsSchema = goStruct({
  Pod: PodSchema,
  NodeNameToVictims: z.record(z.string(), VictimsSchema.nullable()).nullish(),
  NodeNameToMetaVictims: z.record(z.string(), MetaVictimsSchema.nullable()).nullish(),
});

// ---- decoded forms the verbs consume ------------------------------------------------------

/** One node offered in `Nodes.items`, with the exact JSON value received (echoed back on pass). */
export interface WireNode {
  readonly name: string;
  readonly labels: Labels;
  readonly raw: unknown;
}

/**
 * Where the offered nodes came from: `NodeNames` (nodeCacheCapable: true, labels from our cache)
 * or `Nodes.items` (nodeCacheCapable: false, labels from the objects). When both are null the
 * scheduler offered zero nodes; that decodes as an empty `names` list.
 */
export type NodeInput =
  | { readonly kind: 'names'; readonly names: readonly string[] }
  | { readonly kind: 'nodes'; readonly items: readonly WireNode[] };

export interface ExtenderArgs {
  readonly pod: Pod;
  readonly nodes: NodeInput;
}

export interface ExtenderBindingArgs {
  readonly podName: string;
  readonly podNamespace: string;
  readonly podUid: string;
  readonly node: string;
}

export interface MetaPod {
  readonly UID: string;
}

export interface MetaVictims {
  readonly Pods: readonly MetaPod[];
  readonly NumPDBViolations: number;
}

export interface ExtenderPreemptionArgs {
  readonly pod: Pod;
  /** Candidate node → victims, always in meta form (full victim pods are reduced to UIDs). */
  readonly victims: ReadonlyMap<string, MetaVictims>;
}

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

// ---- error messages -----------------------------------------------------------------------

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Per-parse error map: short, uniform messages ("required", "expected object, got string"). */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined ? 'required' : `expected ${iss.expected}, got ${describe(iss.input)}`;
    case 'too_small':
      return iss.origin === 'string' ? 'must be a non-empty string' : undefined;
    default:
      return undefined;
  }
};

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** `Nodes.items[0].metadata.name`, `NodeNameToVictims["node-a"].Pods[1]` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += IDENT.test(s) ? (out === '' ? s : `.${s}`) : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

function formatIssues(verb: string, issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((i) => (i.path.length > 0 ? `${formatPath(i.path)}: ${i.message}` : i.message));
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return `${verb}: ${shown.join('; ')}${more}`;
}

function parse<S extends z.ZodType>(verb: string, schema: S, body: unknown): Decoded<z.output<S>> {
  if (body === undefined) {
    return { ok: false, error: `${verb}: missing request body: send a JSON object with Content-Type: application/json` };
  }
  if (!isPlainObject(body)) return { ok: false, error: `${verb}: request body must be a JSON object, got ${describe(body)}` };
  const r = schema.safeParse(body, { error: errorMap });
  return r.success ? { ok: true, value: r.data } : { ok: false, error: formatIssues(verb, r.error.issues) };
}

// ---- decoders -----------------------------------------------------------------------------

/** Decodes `ExtenderArgs` (filter, prioritize). `verb` prefixes error messages. */
export function decodeExtenderArgs(verb: string, body: unknown): Decoded<ExtenderArgs> {
  // A valid NodeNames list (5,000 names per call in a large cluster) is checked here and kept
  // out of zod: run through the schema, the list and its strings outlived each call in V8's
  // young generation (25-60 MB surviving every scavenge, 20-80 ms pauses at 5,000 nodes).
  // An invalid one goes to zod unchanged, which reports it exactly as before.
  const folded = foldArgs(body) as Record<string, unknown>;
  const names = isPlainObject(folded) && isStringArray(folded.NodeNames) ? folded.NodeNames : undefined;
  const r = parse(verb, ExtenderArgsSchema, names === undefined ? body : { ...folded, NodeNames: null });
  if (!r.ok) return r;
  const { Pod: pod, Nodes } = r.value;
  const NodeNames = names ?? r.value.NodeNames;
  if (NodeNames !== null && NodeNames !== undefined) return { ok: true, value: { pod, nodes: { kind: 'names', names: NodeNames } } };
  if (Nodes === null || Nodes === undefined) return { ok: true, value: { pod, nodes: { kind: 'names', names: [] } } };
  // Echo the items exactly as received: zod re-creates objects, so keep the original values.
  const rawItems = (foldArgs(body) as { Nodes: { items?: readonly unknown[] | null } }).Nodes.items ?? [];
  const items: WireNode[] = (Nodes.items ?? []).map((n, i) => ({
    name: n.metadata.name,
    labels: n.metadata.labels ?? {},
    raw: rawItems[i],
  }));
  return { ok: true, value: { pod, nodes: { kind: 'nodes', items } } };
}

export function decodeBindingArgs(verb: string, body: unknown): Decoded<ExtenderBindingArgs> {
  const r = parse(verb, ExtenderBindingArgsSchema, body);
  if (!r.ok) return r;
  const v = r.value;
  return { ok: true, value: { podName: v.PodName, podNamespace: v.PodNamespace, podUid: v.PodUID, node: v.Node } };
}

function toMeta(v: { Pods?: readonly MetaPod[] | null | undefined; NumPDBViolations?: number | null | undefined } | null): MetaVictims {
  return { Pods: v?.Pods ?? [], NumPDBViolations: v?.NumPDBViolations ?? 0 };
}

/**
 * Decodes `ExtenderPreemptionArgs`. `NodeNameToMetaVictims` (nodeCacheCapable: true) wins when
 * both maps are set; full victim pods are reduced to `{UID: metadata.uid}`.
 */
export function decodePreemptionArgs(verb: string, body: unknown): Decoded<ExtenderPreemptionArgs> {
  const r = parse(verb, ExtenderPreemptionArgsSchema, body);
  if (!r.ok) return r;
  const { Pod: pod, NodeNameToVictims, NodeNameToMetaVictims } = r.value;
  const victims = new Map<string, MetaVictims>();
  if (NodeNameToMetaVictims !== null && NodeNameToMetaVictims !== undefined) {
    for (const [node, v] of Object.entries(NodeNameToMetaVictims)) victims.set(node, toMeta(v));
  } else if (NodeNameToVictims !== null && NodeNameToVictims !== undefined) {
    for (const [node, v] of Object.entries(NodeNameToVictims)) {
      victims.set(node, {
        Pods: (v?.Pods ?? []).map((p) => ({ UID: p.metadata.uid })),
        NumPDBViolations: v?.NumPDBViolations ?? 0,
      });
    }
  }
  return { ok: true, value: { pod, victims } };
}

// ---- responses (exact PascalCase, absent = null) ------------------------------------------

/** `ExtenderFilterResult` */
export interface ExtenderFilterResult {
  readonly Nodes: { readonly metadata: Record<string, never>; readonly items: readonly unknown[] } | null;
  readonly NodeNames: readonly string[] | null;
  readonly FailedNodes: Readonly<Record<string, string>> | null;
  readonly FailedAndUnresolvableNodes: Readonly<Record<string, string>> | null;
  readonly Error: string;
}

/** `HostPriority`; the prioritize response is a bare `HostPriorityList` array. */
export interface HostPriority {
  readonly Host: string;
  readonly Score: number;
}

/** `ExtenderBindingResult`, also the body of every 4xx/5xx we send. */
export interface ErrorResult {
  readonly Error: string;
}

/** `ExtenderPreemptionResult` */
export interface ExtenderPreemptionResult {
  readonly NodeNameToMetaVictims: Readonly<Record<string, MetaVictims>>;
}

/**
 * A filter answer. In `names` mode `passed` are node names; in `nodes` mode the raw Node objects.
 * Volume failures always go to FailedAndUnresolvableNodes (R16.1, §17.8); FailedNodes stays `{}`.
 */
export function filterResult(
  nodes: { readonly kind: 'names'; readonly passed: readonly string[] } | { readonly kind: 'nodes'; readonly passed: readonly unknown[] },
  failed: readonly (readonly [string, string])[],
): ExtenderFilterResult {
  return {
    Nodes: nodes.kind === 'nodes' ? { metadata: {}, items: nodes.passed } : null,
    NodeNames: nodes.kind === 'names' ? nodes.passed : null,
    FailedNodes: {},
    // fromEntries defines own properties, so a node named "__proto__" cannot touch the prototype.
    FailedAndUnresolvableNodes: Object.fromEntries(failed),
    Error: '',
  };
}

/** JSON string literals of failure messages: a filter answer repeats a handful of them per node. */
const messageJSON = new Map<string, string>();
const MAX_CACHED_MESSAGES = 256;

function jsonMessage(m: string): string {
  let j = messageJSON.get(m);
  if (j === undefined) {
    j = JSON.stringify(m);
    // Messages are the fixed reason combinations plus "unknown node" texts naming a node: bound the
    // cache rather than let node names accumulate.
    if (messageJSON.size < MAX_CACHED_MESSAGES) messageJSON.set(m, j);
  }
  return j;
}

/**
 * `JSON.stringify(filterResult(nodes, failed))` for `failed` = zip(failedNames, failedMessages),
 * written directly: a 5,000-node answer otherwise
 * builds a 5,000-key object only to serialise it. The same JSON value (for a node listed twice in
 * `failed` the text keeps both keys and decoders keep the last, as the object would).
 */
export function encodeFilterResult(
  nodes: { readonly kind: 'names'; readonly passed: readonly string[] } | { readonly kind: 'nodes'; readonly passed: readonly unknown[] },
  failedNames: readonly string[],
  failedMessages: readonly string[],
): string {
  // One join over parts, in an array of the exact size: no intermediate string per failed node
  // (a node name that needs no escaping, i.e. every DNS name, goes in as it is).
  const n = failedNames.length;
  const parts = new Array<string>(3 + 6 * n);
  let k = 0;
  parts[k++] = nodes.kind === 'nodes' ? `{"Nodes":{"metadata":{},"items":${JSON.stringify(nodes.passed)}},"NodeNames":null` : `{"Nodes":null,"NodeNames":${JSON.stringify(nodes.passed)}`;
  parts[k++] = ',"FailedNodes":{},"FailedAndUnresolvableNodes":{';
  for (let i = 0; i < n; i++) {
    const name = failedNames[i]!;
    parts[k++] = i > 0 ? ',"' : '"';
    parts[k++] = NEEDS_ESCAPE.test(name) ? JSON.stringify(name).slice(1, -1) : name;
    parts[k++] = '":';
    parts[k++] = jsonMessage(failedMessages[i] ?? '');
  }
  parts[k++] = '},"Error":""}';
  parts.length = k;
  return parts.join('');
}

/** What JSON.stringify escapes in a string: quote, backslash, control characters, surrogates (when lone). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A scheduling error (R6.3): only `Error` is set. */
export function filterError(error: string): ExtenderFilterResult {
  return { Nodes: null, NodeNames: null, FailedNodes: null, FailedAndUnresolvableNodes: null, Error: error };
}

export function hostPriority(host: string, score: number): HostPriority {
  return { Host: host, Score: score };
}

export function errorResult(error: string): ErrorResult {
  return { Error: error };
}

export function preemptionResult(kept: readonly (readonly [string, MetaVictims])[]): ExtenderPreemptionResult {
  return {
    NodeNameToMetaVictims: Object.fromEntries(kept.map(([n, v]) => [n, { Pods: v.Pods.map((p) => ({ UID: p.UID })), NumPDBViolations: v.NumPDBViolations }])),
  };
}

/** Node names offered in an ExtenderArgs body, best effort (for answers that skip decoding). */
export function candidateNames(body: unknown): string[] {
  const folded = foldKeys(['NodeNames', 'Nodes'])(body);
  if (!folded || typeof folded !== 'object') return [];
  const b = folded as { NodeNames?: unknown; Nodes?: unknown };
  if (Array.isArray(b.NodeNames)) return b.NodeNames.filter((n): n is string => typeof n === 'string');
  const items = (b.Nodes as { items?: unknown } | null | undefined)?.items;
  if (!Array.isArray(items)) return [];
  return items.flatMap((i: unknown) => {
    const name = (i as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    return typeof name === 'string' ? [name] : [];
  });
}
