/**
 * Compiled label/node/topology selectors with apimachinery semantics (R3.1–R3.7).
 *
 * Every selector kind compiles to the same shape: OR over terms, AND over requirements inside a
 * term. Invalid terms never match (their parse error is kept for explanations). PV node affinity
 * is evaluated against node labels only, so `matchFields` never constrain it (R3.2).
 */
import type {
  LabelSelector,
  NodeSelector,
  NodeSelectorRequirement,
  PersistentVolume,
  TopologySelectorTerm,
} from './types.js';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface Requirement {
  readonly key: string;
  readonly op: Operator;
  readonly values: readonly string[];
  readonly valueSet: ReadonlySet<string>;
  /** Parsed integer for Gt/Lt. */
  readonly int: bigint;
}

export interface Term {
  readonly reqs: readonly Requirement[];
}

export interface CompiledSelector {
  /** Matches every label set (nil affinity, empty allowedTopologies, `{}` label selector). */
  readonly all: boolean;
  /** Valid terms, ORed. No terms and `all` false = matches nothing. */
  readonly terms: readonly Term[];
  /** Parse errors of dropped terms, for explanations and logs. */
  readonly errors: readonly string[];
}

export type Labels = Readonly<Record<string, string>>;

export const MATCH_ALL: CompiledSelector = Object.freeze({ all: true, terms: [], errors: [] });
export const MATCH_NONE: CompiledSelector = Object.freeze({ all: false, terms: [], errors: [] });

const NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const INT_RE = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Validates a qualified label key (optional DNS-subdomain prefix + '/' + name). */
export function labelKeyError(key: string): string | undefined {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN_RE.test(prefix)) {
      return `invalid label key "${key}": prefix part must be a DNS subdomain`;
    }
  } else if (parts.length > 2) {
    return `invalid label key "${key}": a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/'`;
  }
  if (name.length === 0 || name.length > 63 || !NAME_RE.test(name)) {
    return `invalid label key "${key}": name part must be 63 characters or less, alphanumeric, '-', '_' or '.', starting and ending with an alphanumeric character`;
  }
  return undefined;
}

export function labelValueError(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > 63 || !NAME_RE.test(value)) {
    return `invalid label value: "${value}": must be 63 characters or less and alphanumeric with '-', '_' or '.' inside`;
  }
  return undefined;
}

function parseInt64(s: string): bigint | undefined {
  if (!INT_RE.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/** Builds one requirement with apimachinery's NewRequirement validation. Throws a message on error. */
export function makeRequirement(key: string, op: string, values: readonly string[] | null | undefined, allowNumeric: boolean): Requirement {
  const vals = values ?? [];
  const keyErr = labelKeyError(key);
  if (keyErr) throw new Error(keyErr);
  let int = 0n;
  switch (op) {
    case 'In':
    case 'NotIn':
      if (vals.length === 0) throw new Error("for 'in', 'notin' operators, values set can't be empty");
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (vals.length !== 0) throw new Error('values set must be empty for exists and does not exist');
      break;
    case 'Gt':
    case 'Lt': {
      if (!allowNumeric) throw new Error(`"${op}" is not a valid label selector operator`);
      if (vals.length !== 1) throw new Error("for 'Gt', 'Lt' operators, exactly one value is required");
      const parsed = parseInt64(vals[0]!);
      if (parsed === undefined) throw new Error("for 'Gt', 'Lt' operators, the value must be an integer");
      int = parsed;
      break;
    }
    default:
      throw new Error(allowNumeric ? `"${op}" is not a valid node selector operator` : `"${op}" is not a valid label selector operator`);
  }
  // NewRequirement validates every value as a label value, Gt/Lt included: so "-1" or "+1"
  // (valid base-10 integers but not valid label values) make the requirement invalid (R3.5).
  for (const v of vals) {
    const e = labelValueError(v);
    if (e) throw new Error(e);
  }
  return { key, op, values: [...vals], valueSet: new Set(vals), int };
}

export function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, r.key);
  switch (r.op) {
    case 'In':
      return has && r.valueSet.has(labels[r.key]!);
    case 'NotIn':
      return !has || !r.valueSet.has(labels[r.key]!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has) return false;
      const v = parseInt64(labels[r.key]!);
      if (v === undefined) return false;
      return r.op === 'Gt' ? v > r.int : v < r.int;
    }
  }
}

export function termMatches(t: Term, labels: Labels): boolean {
  for (const r of t.reqs) if (!requirementMatches(r, labels)) return false;
  return true;
}

export function selectorMatches(s: CompiledSelector, labels: Labels | null | undefined): boolean {
  if (s.all) return true;
  const l = labels ?? {};
  for (const t of s.terms) if (termMatches(t, l)) return true;
  return false;
}

function compileNodeSelectorRequirements(reqs: readonly NodeSelectorRequirement[]): Requirement[] {
  return reqs.map((r) => makeRequirement(r.key, r.operator, r.values, true));
}

/** Validates matchFields the way nodeaffinity does (key metadata.name, In/NotIn, one value). */
function checkMatchFields(fields: readonly NodeSelectorRequirement[]): void {
  for (const f of fields) {
    if (f.key !== 'metadata.name') throw new Error(`not a valid field selector key: "${f.key}"`);
    if (f.operator !== 'In' && f.operator !== 'NotIn') throw new Error(`"${f.operator}" is not a valid field selector operator`);
    if ((f.values ?? []).length !== 1) throw new Error('must have one element');
  }
}

/** A NodeSelector (PV nodeAffinity.required) evaluated on labels only (R3.2–R3.5). */
export function compileNodeSelector(sel: NodeSelector | null | undefined): CompiledSelector {
  if (!sel) return MATCH_ALL;
  const terms: Term[] = [];
  const errors: string[] = [];
  for (const term of sel.nodeSelectorTerms ?? []) {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) continue; // dropped: matches nothing
    try {
      const reqs = compileNodeSelectorRequirements(exprs);
      checkMatchFields(fields);
      terms.push({ reqs });
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  return { all: false, terms, errors };
}

/** PV node affinity (R3.1): nil affinity or nil required matches every node. */
export function compilePVAffinity(pv: PersistentVolume): CompiledSelector {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return MATCH_ALL;
  return compileNodeSelector(required);
}

/** StorageClass.allowedTopologies (R3.6). */
export function compileTopologyTerms(terms: readonly TopologySelectorTerm[] | null | undefined): CompiledSelector {
  if (!terms || terms.length === 0) return MATCH_ALL;
  const out: Term[] = [];
  const errors: string[] = [];
  for (const t of terms) {
    const exprs = t.matchLabelExpressions ?? [];
    if (exprs.length === 0) continue;
    try {
      out.push({ reqs: exprs.map((e) => makeRequirement(e.key, 'In', e.values, false)) });
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  return { all: false, terms: out, errors };
}

/**
 * metav1.LabelSelector → selector. `null`/`undefined` gives `ifNil`
 * (MATCH_NONE for CSIStorageCapacity.nodeTopology, R3.7). Throws on invalid selectors.
 */
export function compileLabelSelector(sel: LabelSelector): CompiledSelector {
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push(makeRequirement(k, 'In', [v], false));
  for (const e of sel.matchExpressions ?? []) reqs.push(makeRequirement(e.key, e.operator, e.values, false));
  return { all: reqs.length === 0, terms: reqs.length === 0 ? [] : [{ reqs }], errors: [] };
}

/** Like compileLabelSelector, but an invalid selector matches nothing and keeps the error. */
export function compileLabelSelectorLenient(sel: LabelSelector | null | undefined): CompiledSelector {
  if (!sel) return MATCH_NONE;
  try {
    return compileLabelSelector(sel);
  } catch (e) {
    return { all: false, terms: [], errors: [(e as Error).message] };
  }
}

export function formatRequirement(r: Requirement): string {
  switch (r.op) {
    case 'Exists':
    case 'DoesNotExist':
      return `${r.key} ${r.op}`;
    default:
      return `${r.key} ${r.op} [${r.values.join(',')}]`;
  }
}

function describeLabel(key: string, labels: Labels): string {
  return Object.hasOwn(labels, key) ? `${key}=${labels[key]}` : `no ${key} label`;
}

/**
 * Explains why `labels` fail a selector: for each term, the first failing requirement and the
 * node's value for that key, e.g. "rack In [r2]; node n3 has rack=r1".
 */
export function explainMismatch(s: CompiledSelector, labels: Labels | null | undefined, nodeName: string): string {
  const l = labels ?? {};
  if (s.all) return 'matches every node';
  if (s.terms.length === 0) {
    return s.errors.length > 0 ? `no valid term (${s.errors.join('; ')})` : 'no usable term (matches no node)';
  }
  const parts: string[] = [];
  for (const t of s.terms) {
    const failing = t.reqs.filter((r) => !requirementMatches(r, l));
    if (failing.length === 0) continue;
    parts.push(failing.map((r) => `${formatRequirement(r)}; node ${nodeName} has ${describeLabel(r.key, l)}`).join(' and '));
  }
  return parts.length === 1 ? `needs ${parts[0]!}` : `needs one of: ${parts.map((p, i) => `(${i + 1}) ${p}`).join(' or ')}`;
}

/** One-line rendering of a compiled selector, for explanations. */
export function formatSelector(s: CompiledSelector): string {
  if (s.all) return 'any node';
  if (s.terms.length === 0) return 'no node';
  return s.terms.map((t) => (t.reqs.length === 0 ? 'any node' : t.reqs.map(formatRequirement).join(' and '))).join(' or ');
}
