/**
 * Snapshot source: Kubernetes objects from a YAML or JSON file — multi-document YAML, `kind: List`
 * (what `kubectl get nodes,pv,pvc,storageclasses,csidrivers,csistoragecapacities,csinodes,pods -A -o yaml`
 * prints), typed lists (`NodeList`…), or a JSON array. Unknown kinds are counted and skipped.
 *
 * JSON files are streamed (loadSnapshotFile / readSnapshotFile): the file is read in 1 MiB chunks, a
 * byte scanner (nesting depth, in-string, escape) finds each element of the top-level array or of a
 * List's `items`, and each element is JSON.parsed and handed on by itself, so only one element's parse
 * tree, and never the whole file's text, is alive at a time (5,000 nodes + 50,000 PVs/PVCs, 68 MB:
 * ~130 MB less RSS than parsing it whole). The scanner only finds boundaries and checks the top-level
 * punctuation; JSON.parse validates each element. The result is that of JSON.parse of the whole file
 * + flatten: the same objects in the same order, the same semantic errors (no "kind", no
 * metadata.name), and a syntax error anywhere still wins over them; syntax errors carry line, column,
 * byte offset and item index. `kubectl -o json` prints `items` before `kind`, so items are handed on
 * before the list's kind is known; from the first item without a kind (which takes its kind from a
 * typed list's) on, items are held until the kind is read. The few inputs whose meaning only the whole
 * parse settles (a non-list object with an `items` array, a repeated `items` key, a repeated `kind`
 * changing the list) are re-read whole. YAML, and anything not starting with `{` or `[`, is read and
 * parsed whole (parseAllDocuments): dump large clusters with `-o json`. An empty file is an error.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
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

export interface ReadSnapshotOptions {
  /** Bytes per read of a JSON file (default 1 MiB). Internal knob: tests use tiny chunks to hit every boundary. */
  readonly chunkSize?: number;
}

const isListKind = (kind: unknown): kind is string => typeof kind === 'string' && kind.endsWith('List');

/** The kind a typed list (`PersistentVolumeList`) gives its items that have none; undefined for `List`. */
const defaultItemKind = (listKind: string): string | undefined => (listKind === 'List' ? undefined : listKind.slice(0, -'List'.length));

function flattenListItem(item: unknown, itemKind: string | undefined, where: string, out: KubeObject[]): void {
  if (itemKind && item && typeof item === 'object' && !(item as KubeObject).kind) (item as KubeObject).kind = itemKind;
  flatten(item, where, out);
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
  if (isListKind(obj.kind) && Array.isArray(obj.items)) {
    const itemKind = defaultItemKind(obj.kind);
    obj.items.forEach((item, i) => {
      flattenListItem(item, itemKind, `${where}.items[${i}]`, out);
    });
    return;
  }
  if (typeof obj.kind !== 'string') throw new SnapshotError(`${where}: object has no "kind"`);
  if (!obj.metadata?.name) {
    // A list whose items went wrong would otherwise be reported as a nameless object.
    if (isListKind(obj.kind) && 'items' in obj) throw new SnapshotError(`${where}: ${obj.kind} "items" must be an array, got ${obj.items === null ? 'null' : typeof obj.items}`);
    throw new SnapshotError(`${where}: ${obj.kind} has no metadata.name`);
  }
  out.push(obj);
}

/** Parses snapshot text into objects (whole, not streamed). Throws SnapshotError with file:line on bad input. */
export function parseSnapshot(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    if (text.startsWith('\uFEFF')) throw new SnapshotError(`${source}: invalid JSON: the file starts with a byte order mark (U+FEFF), which JSON does not allow; save it without one`);
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

function addToStore(o: KubeObject, store: ClusterStore, ignored: Record<string, number>): void {
  const kind = o.kind;
  if (isKind(kind)) store.upsert(kind, o);
  else ignored[String(kind)] = (ignored[String(kind)] ?? 0) + 1;
}

export function loadIntoStore(objs: readonly KubeObject[], store: ClusterStore, source: string): SnapshotSummary {
  const ignored: Record<string, number> = {};
  for (const o of objs) addToStore(o, store, ignored);
  return { source, counts: store.counts(), ignored };
}

/**
 * Loads a snapshot file into a new store, returned only when the whole file loaded: JSON objects are
 * upserted while the file is read, and on any error (SnapshotError) the half-filled store is dropped.
 * (There is no store parameter: filling a caller's store could not be undone on a late error.)
 */
export function loadSnapshotFile(path: string, options: ReadSnapshotOptions = {}): { store: ClusterStore; summary: SnapshotSummary } {
  let store = new ClusterStore();
  let ignored: Record<string, number> = {};
  readSnapshotFile(
    path,
    () => {
      store = new ClusterStore();
      ignored = {};
      return (o) => {
        addToStore(o, store, ignored);
      };
    },
    options,
  );
  return { store, summary: { source: path, counts: store.counts(), ignored } };
}

/**
 * Reads the objects of a snapshot file and passes them, in file order, to the callback `begin` returns
 * — the objects parseSnapshot would return for the file's text. `begin` is called before the first
 * object, and once more (whatever the previous callback got must then be discarded) for an input
 * that has to be re-read whole. Throws SnapshotError; objects handed on before it are to be discarded.
 */
export function readSnapshotFile(path: string, begin: () => (obj: KubeObject) => void, options: ReadSnapshotOptions = {}): void {
  const chunkSize = options.chunkSize ?? 1 << 20;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw readError(path, e);
  }
  let streamed: boolean;
  try {
    streamed = streamJson(new JsonReader(fd, path, chunkSize), begin);
  } finally {
    closeSync(fd);
  }
  if (streamed) return;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw readError(path, e);
  }
  const emit = begin();
  for (const o of parseSnapshot(text, path)) emit(o);
}

function readError(path: string, e: unknown): SnapshotError {
  const code = (e as NodeJS.ErrnoException).code;
  return new SnapshotError(code === 'ENOENT' ? `snapshot file not found: ${path}` : `cannot read snapshot ${path}: ${(e as Error).message}`);
}

// ---- streaming JSON --------------------------------------------------------------------------

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
/** Bytes that end a number or literal token: JSON whitespace and punctuation. */
const TOKEN_END = new Uint8Array(256);
for (const b of [0x20, 0x0a, 0x0d, 0x09, QUOTE, COMMA, COLON, LBRACE, RBRACE, LBRACKET, RBRACKET]) TOKEN_END[b] = 1;

const needsListKind = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v as KubeObject).kind;

/**
 * Streams a JSON snapshot to `begin()`'s callback. Returns false, having handed on nothing or leaving it
 * to be discarded, when the input must be read whole instead (not JSON, or its meaning needs the whole parse).
 */
function streamJson(r: JsonReader, begin: () => (obj: KubeObject) => void): boolean {
  const source = r.source;
  const first = r.peek();
  if (first === -1) throw new SnapshotError(`${source}: the file is empty`);
  if (first !== LBRACE && first !== LBRACKET) return false;
  const emit = begin();
  const out: KubeObject[] = [];
  /** The first semantic error; later elements are only syntax-checked (a syntax error anywhere wins, as with JSON.parse). */
  let pending: SnapshotError | undefined;
  /** Flattens one element and hands its objects on; false (and pending set) if it is in error. */
  const hand = (item: unknown, itemKind: string | undefined, where: string): boolean => {
    try {
      flattenListItem(item, itemKind, where, out);
      for (const o of out) emit(o);
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      pending = e;
    } finally {
      out.length = 0;
    }
    return !pending;
  };
  r.pos++;

  if (first === LBRACKET) {
    r.elements('', (v, i) => {
      if (!pending) hand(v, undefined, `${source}[${i}]`);
    });
    r.end();
    if (pending) throw pending;
    return true;
  }

  const members: [string, unknown][] = [];
  /** `kind` as read before `items`: the list kind its items were handed on under (undefined: not yet known). */
  let itemsListKind: string | undefined;
  let sawItems = false;
  let streamedItems = false;
  /** Items held back, from the first one that takes its kind from the (not yet read) list kind on. */
  let held: { v: unknown; i: number }[] | undefined;
  let c = r.peek();
  if (c === RBRACE) r.pos++;
  else {
    for (;;) {
      if (c !== QUOTE) throw r.unexpected(c, "Expected property name or '}'", '');
      const key = r.member('') as string;
      c = r.peek();
      if (c !== COLON) throw r.unexpected(c, "Expected ':' after property name", '');
      r.pos++;
      c = r.peek();
      if (key === 'items' && sawItems) return false; // duplicate: the last one wins
      if (key === 'items' && c === LBRACKET) {
        sawItems = streamedItems = true;
        const known = members.findLast(([k]) => k === 'kind');
        if (known && !isListKind(known[1])) return false; // an object with an `items` array that is not a list
        itemsListKind = known?.[1] as string | undefined;
        const itemKind = itemsListKind === undefined ? undefined : defaultItemKind(itemsListKind);
        r.pos++;
        r.elements('items', (v, i) => {
          if (pending) return;
          if (itemsListKind === undefined && (held || needsListKind(v))) (held ??= []).push({ v, i });
          else hand(v, itemKind, `${source}.items[${i}]`);
        });
      } else {
        if (key === 'items') sawItems = true;
        if (c === -1) throw r.truncated('');
        members.push([key, r.member('')]);
      }
      c = r.peek();
      if (c === COMMA) {
        r.pos++;
        c = r.peek();
        continue;
      }
      if (c === RBRACE) {
        r.pos++;
        break;
      }
      throw r.unexpected(c, "Expected ',' or '}' after property value", '');
    }
  }
  r.end();

  // Rebuilt with JSON.parse's semantics: a repeated key keeps its first place and its last value.
  const head: Record<string, unknown> = {};
  for (const [k, v] of members) Object.defineProperty(head, k, { value: v, writable: true, enumerable: true, configurable: true });
  if (!streamedItems) {
    // No `items` array: the top-level object is all there is (an object, or a list whose items are no array).
    flatten(head, source, out);
    for (const o of out) emit(o);
    return true;
  }
  // Items were streamed as a list's: valid only if the whole parse agrees it is that list.
  if (itemsListKind !== undefined ? head.kind !== itemsListKind : !isListKind(head.kind)) return false;
  if (held && !pending) {
    const itemKind = defaultItemKind(head.kind as string);
    for (const { v, i } of held) if (!hand(v, itemKind, `${source}.items[${i}]`)) break;
  }
  if (pending) throw pending;
  return true;
}

/** Chunked reader over a file with the scanning primitives streamJson needs. */
class JsonReader {
  /** Bytes buf[0, len) are the file's bytes from offset base on. */
  buf: Buffer;
  len = 0;
  base = 0;
  /** The scanning position in buf. */
  pos = 0;
  /** The last fill read nothing: end of file. */
  eof = false;

  constructor(
    readonly fd: number,
    readonly source: string,
    readonly chunkSize: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(chunkSize, 64));
  }

  /** Reads the next chunk after buf[len), first dropping buf[0, keep) if there is no room. Returns by how much positions in buf moved back. */
  fill(keep: number): number {
    let shift = 0;
    if (this.len + this.chunkSize > this.buf.length) {
      if (keep > 0) {
        this.buf.copy(this.buf, 0, keep, this.len);
        this.len -= keep;
        this.base += keep;
        shift = keep;
      }
      if (this.len + this.chunkSize > this.buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + this.chunkSize));
        this.buf.copy(bigger, 0, 0, this.len);
        this.buf = bigger;
      }
    }
    let n: number;
    try {
      n = readSync(this.fd, this.buf, this.len, this.chunkSize, this.base + this.len);
    } catch (e) {
      throw readError(this.source, e);
    }
    this.len += n;
    this.eof = n === 0;
    return shift;
  }

  /** Skips JSON whitespace; returns the byte at pos, or -1 at the end of the file. */
  peek(): number {
    for (;;) {
      const buf = this.buf;
      const len = this.len;
      let i = this.pos;
      while (i < len) {
        const b = buf[i]!;
        if (!isSpace(b)) {
          this.pos = i;
          return b;
        }
        i++;
      }
      this.pos = i - this.fill(i);
      if (this.eof) return -1;
    }
  }

  /** After the top-level value: only whitespace may follow. */
  end(): void {
    const c = this.peek();
    if (c !== -1) throw this.unexpected(c, 'Unexpected non-whitespace character after JSON', '');
  }

  /**
   * Moves pos past the value starting there (at a non-space byte) and returns its file offset. Only
   * the boundary is found here (depth, strings, escapes) — JSON.parse of the bytes validates them.
   */
  skip(ctx: string): number {
    let buf = this.buf;
    let len = this.len;
    let start = this.pos;
    let i = start;
    const c = buf[i]!;
    if (c === LBRACE || c === LBRACKET || c === QUOTE) {
      // One scanner for containers and strings: a top-level string is a string at depth 0.
      let depth = 0;
      let inString = c === QUOTE;
      if (inString) i++;
      scan: for (;;) {
        while (i < len) {
          if (inString) {
            // Strings are most of the bytes: a loop of their own is about twice as fast as one state machine.
            for (; i < len; i++) {
              const b = buf[i]!;
              if (b === BACKSLASH) i++;
              else if (b === QUOTE) break;
            }
            if (i >= len) break;
            inString = false;
            if (depth === 0) {
              i++;
              break scan;
            }
          } else {
            const b = buf[i]!;
            if (b === QUOTE) inString = true;
            else if (b === LBRACE || b === LBRACKET) depth++;
            else if ((b === RBRACE || b === RBRACKET) && --depth === 0) {
              i++;
              break scan;
            }
          }
          i++;
        }
        // i may be len + 1 (a backslash was the last byte): the escaped byte is the next one read.
        const shift = this.fill(start);
        if (this.eof) throw this.truncated(ctx);
        start -= shift;
        i -= shift;
        buf = this.buf;
        len = this.len;
      }
    } else if (TOKEN_END[c]) {
      throw this.unexpected(c, 'Expected a JSON value', ctx);
    } else {
      // A number or literal: up to the next space or punctuation.
      for (;;) {
        while (i < len && !TOKEN_END[buf[i]!]) i++;
        if (i < len) break;
        const shift = this.fill(start);
        start -= shift;
        i -= shift;
        buf = this.buf;
        len = this.len;
        if (this.eof) break;
      }
    }
    this.pos = i;
    return this.base + start;
  }

  /** The file's bytes [from, to) as text; they must be in buf. */
  text(from: number, to: number): string {
    return this.buf.toString('utf8', from - this.base, to - this.base);
  }

  /** Parses the value at pos. */
  member(ctx: string): unknown {
    const from = this.skip(ctx);
    return this.parse(this.text(from, this.base + this.pos), from, ctx);
  }

  /** JSON.parse of the file's text from offset `at`; a SyntaxError becomes a SnapshotError with its place in the file. */
  parse(text: string, at: number, ctx: string): unknown {
    try {
      return JSON.parse(text);
    } catch (e) {
      const msg = (e as Error).message;
      // V8: "<what> in JSON at position N (line L column C)", relative to `text`; some messages have no position.
      const m = /^(.*?)(?: in JSON)? at position (\d+)(?: \(line \d+ column \d+\))?$/s.exec(msg);
      if (!m) throw this.error(msg, at, ctx);
      throw this.error(m[1]!, at + Buffer.byteLength(text.slice(0, Number(m[2])), 'utf8'), ctx);
    }
  }

  /** Calls fn for each element of the array whose `[` was just consumed, in order; consumes its `]`. `name` labels the elements in errors. */
  elements(name: string, fn: (value: unknown, index: number) => void): void {
    let c = this.peek();
    if (c === RBRACKET) {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      const item = `${name}[${i}]`;
      if (c === -1) throw this.truncated(`at ${item}`);
      fn(this.member(`in ${item}`), i);
      c = this.peek();
      if (c === RBRACKET) {
        this.pos++;
        return;
      }
      if (c !== COMMA) throw this.unexpected(c, "Expected ',' or ']' after array element", `after ${item}`);
      this.pos++;
      c = this.peek();
    }
  }

  truncated(ctx: string): SnapshotError {
    return this.error('Unexpected end of JSON input (is the file truncated?)', this.base + this.len, ctx);
  }

  unexpected(c: number, what: string, ctx: string): SnapshotError {
    if (c === -1) return this.truncated(ctx);
    return this.error(`${what}, got ${c < 0x80 ? JSON.stringify(String.fromCharCode(c)) : `byte 0x${c.toString(16)}`}`, this.base + this.pos, ctx);
  }

  /** An invalid-JSON error at a file offset, with its line and column (counted by re-reading the file up to it). */
  error(what: string, offset: number, ctx: string): SnapshotError {
    let line = 1;
    let column = 1;
    const chunk = Buffer.allocUnsafe(1 << 16);
    for (let at = 0; at < offset; ) {
      let n: number;
      try {
        n = readSync(this.fd, chunk, 0, Math.min(chunk.length, offset - at), at);
      } catch {
        break;
      }
      if (n === 0) break;
      for (let k = 0; k < n; k++) {
        const b = chunk[k]!;
        if (b === 0x0a) {
          line++;
          column = 1;
        } else if (b < 0x80 || b >= 0xc0) column += b >= 0xf0 ? 2 : 1; // UTF-16 units, as JSON.parse counts
      }
      at += n;
    }
    return new SnapshotError(`${this.source}: invalid JSON: ${what} at line ${line} column ${column} (byte ${offset})${ctx ? ` ${ctx}` : ''}`);
  }
}
