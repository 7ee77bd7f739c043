/**
 * Kubernetes resource.Quantity parsing, reduced to what storage needs: a byte count.
 * Values are rounded up to a whole number, as Quantity.Value() does. Precision is a JS number
 * (exact up to 8 PiB), which is ample for volume sizes.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY_RE = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Parses a quantity into bytes (ceil). Returns undefined when the text is not a valid quantity. */
export function parseQuantity(q: string | number | null | undefined): number | undefined {
  if (q === null || q === undefined) return undefined;
  if (typeof q === 'number') return Number.isFinite(q) ? Math.ceil(q) : undefined;
  const m = QUANTITY_RE.exec(q.trim());
  if (!m) return undefined;
  const num = Number(m[1]);
  const suffix = m[2] ?? '';
  let mult: number | undefined;
  if (suffix in BINARY) mult = BINARY[suffix];
  else if (suffix in DECIMAL) mult = DECIMAL[suffix];
  else mult = 10 ** Number(suffix.slice(1));
  if (mult === undefined) return undefined;
  const v = num * mult;
  // Guard against 0.1 * 1e3 style float noise before rounding up.
  const rounded = Math.round(v);
  return Math.abs(v - rounded) < 1e-6 ? rounded : Math.ceil(v);
}

/** Formats bytes for humans: the largest binary unit that keeps a short number. */
export function formatBytes(bytes: number): string {
  const units: [string, number][] = [['Ei', 2 ** 60], ['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];
  for (const [u, f] of units) {
    if (bytes >= f) {
      const v = bytes / f;
      return `${Number.isInteger(v) ? String(v) : v.toFixed(1).replace(/\.0$/, '')}${u}`;
    }
  }
  return String(bytes);
}
