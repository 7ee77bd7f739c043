/**
 * The streaming JSON snapshot reader (src/cluster/snapshot.ts readSnapshotFile / loadSnapshotFile)
 * against the whole-file reading it replaces: JSON.parse of the file + flatten as of d0336c3, copied
 * below as the reference. Files are written to a temp dir and read in chunks down to 1 byte.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterStore, KINDS } from '../../src/cluster/store.js';
import { loadIntoStore, loadSnapshotFile, parseSnapshot, readSnapshotFile, SnapshotError } from '../../src/cluster/snapshot.js';
import type { KubeObject } from '../../src/engine/types.js';
import { mulberry32 } from '../../bench/fixtures.js';

const DIR = mkdtempSync(join(tmpdir(), 'snapshot-stream-'));
afterAll(() => {
  rmSync(DIR, { recursive: true, force: true });
});
let fileNo = 0;
function writeTmp(text: string | Buffer, ext = 'json'): string {
  const path = join(DIR, `s${fileNo++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

// ---- reference: the loader before streaming (JSON.parse of the whole file + flatten at d0336c3) ----

function refFlatten(doc: unknown, where: string, out: KubeObject[]): void {
  if (doc === null || doc === undefined) return;
  if (Array.isArray(doc)) {
    doc.forEach((d, i) => {
      refFlatten(d, `${where}[${i}]`, out);
    });
    return;
  }
  if (typeof doc !== 'object') throw new SnapshotError(`${where}: expected a Kubernetes object or list, got ${typeof doc}`);
  const obj = doc as KubeObject & { items?: unknown };
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
    const itemKind = obj.kind === 'List' ? undefined : obj.kind.slice(0, -'List'.length);
    obj.items.forEach((item, i) => {
      if (itemKind && item && typeof item === 'object' && !(item as KubeObject).kind) (item as KubeObject).kind = itemKind;
      refFlatten(item, `${where}.items[${i}]`, out);
    });
    return;
  }
  if (typeof obj.kind !== 'string') throw new SnapshotError(`${where}: object has no "kind"`);
  if (!obj.metadata?.name) throw new SnapshotError(`${where}: ${obj.kind} has no metadata.name`);
  out.push(obj);
}

type Outcome = { ok: KubeObject[] } | { error: string };

function reference(path: string): Outcome {
  try {
    const out: KubeObject[] = [];
    refFlatten(JSON.parse(readFileSync(path, 'utf8')), path, out);
    return { ok: out };
  } catch (e) {
    if (!(e instanceof SnapshotError)) throw e;
    return { error: e.message };
  }
}

/** The streaming reader's objects (those of its last begin()), and how many times it began. */
function streamed(path: string, chunkSize?: number): Outcome & { begins: number } {
  let got: KubeObject[] = [];
  let begins = 0;
  try {
    readSnapshotFile(
      path,
      () => {
        begins++;
        got = [];
        return (o) => got.push(o);
      },
      chunkSize === undefined ? {} : { chunkSize },
    );
    return { ok: got, begins };
  } catch (e) {
    if (!(e instanceof SnapshotError)) throw e;
    return { error: e.message, begins };
  }
}

// ---- a JSON writer with random whitespace and escapes, and duplicate keys --------------------

/** A JSON text's tree: object members in order (keys may repeat), array elements, or a scalar. */
type J = { o: [string, J][] } | { a: J[] } | { v: null | boolean | number | string };

const toJ = (v: unknown): J =>
  Array.isArray(v)
    ? { a: v.map(toJ) }
    : v !== null && typeof v === 'object'
      ? { o: Object.entries(v).flatMap(([k, x]): [string, J][] => (x === undefined ? [] : [[k, toJ(x)]])) }
      : { v: v as null | boolean | number | string };

const SPACE = [' ', '\n', '\t', '\r\n', '    ', '\n  '];
const SHORT: Record<number, string> = { 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r' };
const u4 = (u: number, r: () => number): string => {
  const h = u.toString(16).padStart(4, '0');
  return `\\u${r() < 0.5 ? h : h.toUpperCase()}`;
};

function writeJson(j: J, r: () => number): string {
  const ws = (): string => (r() < 0.75 ? '' : SPACE[Math.floor(r() * SPACE.length)]!);
  const str = (s: string): string => {
    let out = '"';
    for (let k = 0; k < s.length; k++) {
      const u = s.charCodeAt(k);
      const pair = u >= 0xd800 && u < 0xdc00 && k + 1 < s.length && (s.charCodeAt(k + 1) & 0xfc00) === 0xdc00;
      if (pair) {
        out += r() < 0.2 ? u4(u, r) + u4(s.charCodeAt(k + 1), r) : s.slice(k, k + 2);
        k++;
      } else if (u >= 0xd800 && u < 0xe000) out += u4(u, r); // a lone surrogate only survives escaped
      else if (u === 0x22) out += r() < 0.6 ? '\\"' : u4(u, r);
      else if (u === 0x5c) out += r() < 0.6 ? '\\\\' : u4(u, r);
      else if (u < 0x20) out += SHORT[u] !== undefined && r() < 0.6 ? SHORT[u] : u4(u, r);
      else if (u === 0x2f && r() < 0.3) out += '\\/';
      else out += r() < 0.1 ? u4(u, r) : s.charAt(k);
    }
    return `${out}"`;
  };
  const val = (x: J): string => {
    if ('o' in x) return x.o.length === 0 ? `{${ws()}}` : `{${x.o.map(([k, v]) => `${ws()}${str(k)}${ws()}:${ws()}${val(v)}${ws()}`).join(',')}}`;
    if ('a' in x) return x.a.length === 0 ? `[${ws()}]` : `[${x.a.map((v) => `${ws()}${val(v)}${ws()}`).join(',')}]`;
    return typeof x.v === 'string' ? str(x.v) : JSON.stringify(x.v);
  };
  return `${ws()}${val(j)}${ws()}`;
}

// ---- generators ------------------------------------------------------------------------------

/** Strings with JSON's special characters, escapes-lookalikes, structure inside strings, unicode. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.string({ unit: fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', '/', 'a', ' ', 'é', '😀', '\n', '\u2028', '\ud800', '\udfff', '\u0000'), maxLength: 10 }),
  fc.constantFrom('\\u0022', '\\"', '"}]},{"kind":"Node"', '\\\\', 'items', 'kind', '💥💥', '\u00ff\u0100'),
);
const OUR_KINDS = ['Node', 'PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'Pod', 'ConfigMap', 'List', ''];
const item = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.option(fc.constantFrom(...OUR_KINDS), { nil: undefined, freq: 8 }),
  metadata: fc.record({
    name: fc.option(nasty, { nil: undefined, freq: 25 }),
    namespace: fc.option(nasty, { nil: undefined }),
    labels: fc.option(fc.dictionary(nasty, nasty, { maxKeys: 3 }), { nil: undefined }),
  }),
  spec: fc.option(fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }), { nil: undefined }),
});
const element = fc.oneof(
  { arbitrary: item, weight: 40 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.array(item, { maxLength: 3 }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constantFrom('List', 'PodList', 'NodeList'), items: fc.array(item, { maxLength: 3 }) }), weight: 2 },
  { arbitrary: fc.oneof(fc.integer(), fc.string(), fc.boolean()), weight: 1 },
);
const elements = fc.array(element, { maxLength: 8 });
const LIST_KINDS = ['List', 'List', 'PersistentVolumeList', 'NodeList', 'StorageClassList', 'Pod', 'ConfigMap'];

/** A List object: apiVersion, kind (maybe none), metadata, items in any order; sometimes a repeated kind or items. */
const listDoc = fc
  .record({
    kind: fc.option(fc.constantFrom(...LIST_KINDS), { nil: undefined, freq: 10 }),
    items: elements,
    extra: fc.option(fc.oneof(fc.tuple(fc.constant('kind'), fc.constantFrom(...LIST_KINDS).map(toJ)), fc.tuple(fc.constant('items'), elements.map(toJ))), { nil: undefined, freq: 12 }),
  })
  .chain(({ kind, items, extra }) => {
    const members: [string, J][] = [
      ['apiVersion', toJ('v1')],
      ['metadata', toJ({ resourceVersion: '' })],
      ['items', toJ(items)],
      ...(kind === undefined ? [] : [['kind', toJ(kind)] as [string, J]]),
    ];
    return fc.tuple(fc.shuffledSubarray(members, { minLength: members.length }), fc.nat(members.length)).map(([m, at]): J => {
      if (extra) m.splice(at, 0, extra);
      return { o: m };
    });
  });

const doc = fc.oneof({ arbitrary: listDoc, weight: 6 }, { arbitrary: elements.map(toJ), weight: 3 }, { arbitrary: item.map(toJ), weight: 1 });
const chunkSize = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 400 }), fc.constant(1 << 20));

describe('streaming reader ≡ JSON.parse + flatten (property)', () => {
  it('same objects in the same order, or the same SnapshotError, at any chunk size', () => {
    const seen = new Map<string, number>();
    const count = (k: string): void => void seen.set(k, (seen.get(k) ?? 0) + 1);
    fc.assert(
      fc.property(doc, fc.integer(), chunkSize, (d, seed, chunk) => {
        const path = writeTmp(writeJson(d, mulberry32(seed)));
        const want = reference(path);
        const { begins, ...got } = streamed(path, chunk);
        count('ok' in want ? 'ok' : 'error');
        if (begins > 1) count('re-read whole');
        // JSON.stringify: also compares key order, and tells -0 from 0 no more than JSON does.
        expect(JSON.stringify(got)).toBe(JSON.stringify(want));
      }),
      { numRuns: 400, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true },
    );
    // The generator must reach loads, semantic errors and the whole-file fallback, or this proves little.
    expect(seen.get('ok')!).toBeGreaterThan(80);
    expect(seen.get('error')!).toBeGreaterThan(20);
    expect(seen.get('re-read whole')!).toBeGreaterThan(3);
  });

  it('every cut of a file is a SnapshotError, never a crash or a partial load', () => {
    fc.assert(
      fc.property(listDoc, fc.integer(), chunkSize, fc.double({ min: 0, max: 1, noNaN: true }), (d, seed, chunk, at) => {
        const text = Buffer.from(writeJson(d, mulberry32(seed)).trimEnd());
        const cut = Math.floor(at * (text.length - 1));
        if (text.subarray(0, cut).toString().trim() === '') return; // an empty file has its own error
        const path = writeTmp(text.subarray(0, cut));
        const got = streamed(path, chunk);
        expect('error' in got ? got.error : got).toMatch(/: invalid JSON: /);
      }),
      { numRuns: 200, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true },
    );
  });
});

// ---- error cases --------------------------------------------------------------------------------

const NODE = '{"kind":"Node","metadata":{"name":"a"}}';

describe('errors name the place, as precisely as before or more', () => {
  it.each<{ name: string; text: string; want: string }>([
    { name: 'empty file', text: '', want: 'F: the file is empty' },
    { name: 'only whitespace', text: ' \n\t\r\n', want: 'F: the file is empty' },
    {
      name: 'truncated inside an item',
      text: `{"kind":"List","items":[${NODE},{"kind":"No`,
      want: 'F: invalid JSON: Unexpected end of JSON input (is the file truncated?) at line 1 column 76 (byte 75) in items[1]',
    },
    {
      name: 'truncated after an escape at the end of the file',
      text: '[{"kind":"Node","metadata":{"name":"a\\',
      want: 'F: invalid JSON: Unexpected end of JSON input (is the file truncated?) at line 1 column 39 (byte 38) in [0]',
    },
    {
      name: 'truncated after an item',
      text: `{"kind":"List","items":[${NODE}`,
      want: 'F: invalid JSON: Unexpected end of JSON input (is the file truncated?) at line 1 column 64 (byte 63) after items[0]',
    },
    { name: 'truncated after a comma', text: `[${NODE},`, want: 'F: invalid JSON: Unexpected end of JSON input (is the file truncated?) at line 1 column 42 (byte 41) at [1]' },
    { name: 'truncated after items', text: '{"items":[],"kind":"List"', want: 'F: invalid JSON: Unexpected end of JSON input (is the file truncated?) at line 1 column 26 (byte 25)' },
    { name: 'truncated after a key', text: '{"kind"', want: 'F: invalid JSON: Unexpected end of JSON input (is the file truncated?) at line 1 column 8 (byte 7)' },
    { name: 'trailing garbage', text: '[] x', want: 'F: invalid JSON: Unexpected non-whitespace character after JSON, got "x" at line 1 column 4 (byte 3)' },
    {
      name: 'a second document after the first',
      text: '{"kind":"List","items":[]}\n{"kind":"List","items":[]}\n',
      want: 'F: invalid JSON: Unexpected non-whitespace character after JSON, got "{" at line 2 column 1 (byte 27)',
    },
    { name: 'a stray closing bracket', text: `[${NODE}]]`, want: 'F: invalid JSON: Unexpected non-whitespace character after JSON, got "]" at line 1 column 42 (byte 41)' },
    {
      name: 'bad JSON inside an item of a pretty-printed list: line and column in the file (those JSON.parse of the whole file gives)',
      text: '{\n    "apiVersion": "v1",\n    "items": [\n        {"kind": "Node", "metadata": {"name": "a"}},\n        {"kind": "Node", "metadata": {"name": "b",}}\n    ],\n    "kind": "List"\n}\n',
      want: 'F: invalid JSON: Expected double-quoted property name at line 5 column 51 (byte 144) in items[1]',
    },
    {
      name: 'bad literal in an item (V8 gives no position): the item and where it starts',
      text: `[${NODE}, {"kind": "Node", "metadata": {"name": tru}}]`,
      want: 'F: invalid JSON: Unexpected token \'}\', ..."name": tru}}" is not valid JSON at line 1 column 43 (byte 42) in [1]',
    },
    { name: 'bad number', text: '[-]', want: 'F: invalid JSON: No number after minus sign at line 1 column 3 (byte 2) in [0]' },
    { name: 'missing comma between items', text: `[${NODE} ${NODE}]`, want: 'F: invalid JSON: Expected \',\' or \']\' after array element, got "{" at line 1 column 42 (byte 41) after [0]' },
    { name: 'trailing comma in items', text: `{"items":[${NODE},],"kind":"List"}`, want: 'F: invalid JSON: Expected a JSON value, got "]" at line 1 column 51 (byte 50) in items[1]' },
    { name: 'missing comma between members', text: '{"kind":"List" "items":[]}', want: 'F: invalid JSON: Expected \',\' or \'}\' after property value, got "\\"" at line 1 column 16 (byte 15)' },
    { name: 'unquoted key', text: '{kind:"List"}', want: 'F: invalid JSON: Expected property name or \'}\', got "k" at line 1 column 2 (byte 1)' },
    { name: 'missing colon', text: '{"kind" "List"}', want: 'F: invalid JSON: Expected \':\' after property name, got "\\"" at line 1 column 9 (byte 8)' },
    { name: 'non-ASCII garbage where a value belongs', text: '{"kind":"List","items":[é]}', want: 'F: invalid JSON: Unexpected token \'é\', "é" is not valid JSON at line 1 column 25 (byte 24) in items[0]' },
    {
      name: 'a syntax error anywhere wins over an earlier semantic one (as with JSON.parse of the whole file)',
      text: `{"items":[{"metadata":{"name":"a"}}, ${NODE}, x],"kind":"List"}`,
      want: 'F: invalid JSON: Unexpected token \'x\', "x" is not valid JSON at line 1 column 79 (byte 78) in items[2]',
    },
    {
      name: 'BOM',
      text: '\uFEFF{"kind":"List","items":[]}',
      want: 'F: invalid JSON: the file starts with a byte order mark (U+FEFF), which JSON does not allow; save it without one',
    },
    { name: '"items" not an array', text: '{"kind":"List","metadata":{"resourceVersion":""},"items":{}}', want: 'F: List "items" must be an array, got object' },
    { name: '"items": null', text: '{"items":null,"kind":"PersistentVolumeList","metadata":{}}', want: 'F: PersistentVolumeList "items" must be an array, got null' },
    // Semantic errors: the same messages as before streaming.
    { name: 'List item without kind (kubectl order: items before kind)', text: `{"items":[${NODE},{"metadata":{"name":"b"}}],"kind":"List"}`, want: 'F.items[1]: object has no "kind"' },
    { name: 'List item without kind (kind first)', text: `{"kind":"List","items":[${NODE},{"metadata":{"name":"b"}}]}`, want: 'F.items[1]: object has no "kind"' },
    { name: 'item without metadata.name', text: `{"items":[${NODE},{"kind":"Pod","metadata":{}}],"kind":"List"}`, want: 'F.items[1]: Pod has no metadata.name' },
    { name: 'typed list item without name', text: '{"items":[{"metadata":{"namespace":"x"}}],"kind":"PersistentVolumeClaimList"}', want: 'F.items[0]: PersistentVolumeClaim has no metadata.name' },
    { name: 'nested list', text: `[${NODE},{"kind":"PodList","items":[{"metadata":{"name":"p"}},{"metadata":{}}]}]`, want: 'F[1].items[1]: Pod has no metadata.name' },
    { name: 'a number in a top-level array', text: `[${NODE},7]`, want: 'F[1]: expected a Kubernetes object or list, got number' },
    { name: 'the first semantic error in file order is the one reported', text: `{"items":[{"kind":"Pod","metadata":{}},{"metadata":{"name":"b"}}],"kind":"List"}`, want: 'F.items[0]: Pod has no metadata.name' },
    { name: 'an object with items but no kind', text: `{"items":[${NODE}]}`, want: 'F: object has no "kind"' },
    { name: 'a single object without name', text: '{"kind":"Node","metadata":{}}', want: 'F: Node has no metadata.name' },
  ])('$name', ({ text, want }) => {
    const path = writeTmp(text);
    for (const chunk of [1, 2, 7, undefined]) {
      const got = streamed(path, chunk);
      expect('error' in got ? got.error.replaceAll(path, 'F') : got, `chunk ${chunk}`).toBe(want);
      expect(() => loadSnapshotFile(path, chunk === undefined ? {} : { chunkSize: chunk })).toThrow(SnapshotError);
    }
  });

  it('a missing file and a directory are SnapshotErrors, as before', () => {
    expect(() => loadSnapshotFile(join(DIR, 'nope.json'))).toThrow(`snapshot file not found: ${join(DIR, 'nope.json')}`);
    const dir = join(DIR, 'a-dir');
    mkdirSync(dir);
    expect(() => loadSnapshotFile(dir)).toThrow(new RegExp(`^cannot read snapshot ${dir}: EISDIR`));
  });

  it('chunkSize must be a positive integer', () => {
    const path = writeTmp('[]');
    expect(() => loadSnapshotFile(path, { chunkSize: 0 })).toThrow(RangeError);
    expect(() => loadSnapshotFile(path, { chunkSize: 1.5 })).toThrow(RangeError);
  });
});

// ---- loading into the store ------------------------------------------------------------------------

const YAML_EXAMPLE = 'examples/cluster.yaml';

/** What loadSnapshotFile returned before streaming: parseSnapshot of the text + loadIntoStore into a new store. */
function loadWhole(path: string): { store: ClusterStore; summary: ReturnType<typeof loadIntoStore> } {
  const store = new ClusterStore();
  return { store, summary: loadIntoStore(parseSnapshot(readFileSync(path, 'utf8'), path), store, path) };
}

const listed = (store: ClusterStore): unknown => Object.fromEntries(KINDS.map((k) => [k, store.list(k)]));

describe('loadSnapshotFile', () => {
  const objects = parseSnapshot(readFileSync(YAML_EXAMPLE, 'utf8'), YAML_EXAMPLE);
  const extra = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'x' } }];

  it.each<{ name: string; text: string }>([
    // kubectl -o json: keys in alphabetical order (items before kind), 4-space indent.
    { name: 'kubectl -o json List (items before kind)', text: JSON.stringify({ apiVersion: 'v1', items: [...objects, ...extra], kind: 'List', metadata: { resourceVersion: '' } }, null, 4) },
    { name: 'List, kind first, compact', text: JSON.stringify({ kind: 'List', items: [...objects, ...extra] }) },
    { name: 'JSON array', text: JSON.stringify([...objects, ...extra]) },
    {
      name: 'typed lists without item kinds, items before kind, nested in a List',
      text: JSON.stringify({
        items: [...new Set(objects.map((o) => o.kind))].map((kind) => ({ items: objects.filter((o) => o.kind === kind).map(({ kind: _, ...rest }) => rest), kind: `${kind}List` })),
        kind: 'List',
      }),
    },
  ])('$name: same store and summary as the whole-file load, at any chunk size', ({ text }) => {
    const path = writeTmp(text);
    const before = loadWhole(path);
    for (const chunkSize of [1, 13, 4096, undefined]) {
      const { store, summary } = loadSnapshotFile(path, chunkSize === undefined ? {} : { chunkSize });
      expect(summary).toEqual(before.summary);
      expect(JSON.stringify(listed(store))).toBe(JSON.stringify(listed(before.store)));
    }
  });

  it('YAML keeps the whole-file path (and the bundled example loads as before)', () => {
    const before = loadWhole(YAML_EXAMPLE);
    const { store, summary } = loadSnapshotFile(YAML_EXAMPLE, { chunkSize: 5 });
    expect(summary).toEqual(before.summary);
    expect(JSON.stringify(listed(store))).toBe(JSON.stringify(listed(before.store)));
    expect(summary.counts.Node).toBe(12);
  });

  it('a typed list read before its kind: items without kind are held, and the file order is kept', () => {
    const node = (name: string, withKind: boolean, v: string) => ({ ...(withKind ? { kind: 'Node' } : {}), metadata: { name, labels: { v } } });
    const path = writeTmp(JSON.stringify({ items: [node('a', true, '1'), node('b', false, '2'), node('a', true, '3'), node('c', false, '4')], kind: 'NodeList' }));
    const got = streamed(path, 3);
    expect('ok' in got && got.ok.map((o) => [o.kind, o.metadata?.name, o.metadata?.labels?.v])).toEqual([
      ['Node', 'a', '1'],
      ['Node', 'b', '2'],
      ['Node', 'a', '3'],
      ['Node', 'c', '4'],
    ]);
    // The later "a" wins, as it did when the whole file was upserted in order.
    expect(loadSnapshotFile(path).store.node('a')?.metadata?.labels?.v).toBe('3');
  });

  it('objects are handed on while the file is read; a later error still fails the load and no store is returned', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ kind: 'Node', metadata: { name: `n${i}` } }));
    const path = writeTmp(`${JSON.stringify({ kind: 'List', items }).slice(0, -2)},{"kind":"Node","metadata":{"name":}}]}`);
    let handed = 0;
    expect(() => {
      readSnapshotFile(
        path,
        () => () => {
          handed++;
        },
        { chunkSize: 64 },
      );
    }).toThrow(/invalid JSON: .* in items\[50\]$/);
    expect(handed).toBe(50);
    let result: unknown;
    expect(() => (result = loadSnapshotFile(path))).toThrow(SnapshotError);
    expect(result).toBeUndefined();
  });

  it('an object with an items array that is not a list is re-read whole: one object, as before', () => {
    const text = JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'cm' }, items: [{ kind: 'Node', metadata: { name: 'n' } }] });
    const path = writeTmp(text);
    const got = streamed(path, 4);
    expect(got).toEqual({ ok: [JSON.parse(text)], begins: 2 });
    expect(loadSnapshotFile(path).summary).toEqual(loadWhole(path).summary);
  });

  it('repeated items keys: the last one wins, as with JSON.parse', () => {
    const path = writeTmp(`{"items":[${NODE}],"kind":"List","items":[{"kind":"Node","metadata":{"name":"b"}}]}`);
    const got = streamed(path, 2);
    expect('ok' in got && got.ok.map((o) => o.metadata?.name)).toEqual(['b']);
  });
});
