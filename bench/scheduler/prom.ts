/**
 * Prometheus text-format helpers for the scheduler benchmark: parse a /metrics scrape, take the
 * delta of a histogram between two scrapes, and summarize it (count, mean, p50/p90/p99 estimated
 * from the buckets with the same linear interpolation as PromQL histogram_quantile).
 */

export interface Histogram {
  /** Upper bound → cumulative count, ascending by bound (+Inf last). */
  readonly buckets: readonly (readonly [number, number])[];
  readonly sum: number;
  readonly count: number;
}

export interface HistSummary {
  readonly count: number;
  /** Mean in ms (sum / count). */
  readonly meanMs: number;
  /** Quantile estimates in ms from the bucket bounds (histogram_quantile). */
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
}

export type Labels = Readonly<Record<string, string>>;

interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseSamples(text: string, prefix: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.startsWith(prefix)) continue;
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    const v = m[3] === '+Inf' ? Infinity : Number(m[3]);
    out.push({ name: m[1]!, labels, value: v });
  }
  return out;
}

/** Gauge/counter value of the first series of `name` matching `match` (undefined if absent). */
export function scalar(text: string, name: string, match: Labels = {}): number | undefined {
  for (const s of parseSamples(text, name)) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) return s.value;
  }
  return undefined;
}

/**
 * Histograms of `name`, grouped by the value of `groupBy` (series with other label values are
 * summed into their group; `*` when groupBy is undefined), after filtering on `match`.
 */
export function histograms(text: string, name: string, groupBy?: string, match: Labels = {}): Map<string, Histogram> {
  const acc = new Map<string, { buckets: Map<number, number>; sum: number; count: number }>();
  const get = (g: string): { buckets: Map<number, number>; sum: number; count: number } => {
    let h = acc.get(g);
    if (!h) acc.set(g, (h = { buckets: new Map(), sum: 0, count: 0 }));
    return h;
  };
  for (const s of parseSamples(text, name)) {
    if (!Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    const g = groupBy === undefined ? '*' : (s.labels[groupBy] ?? '');
    if (s.name === `${name}_bucket`) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      const h = get(g);
      h.buckets.set(le, (h.buckets.get(le) ?? 0) + s.value);
    } else if (s.name === `${name}_sum`) get(g).sum += s.value;
    else if (s.name === `${name}_count`) get(g).count += s.value;
  }
  const out = new Map<string, Histogram>();
  for (const [g, h] of acc) out.set(g, { buckets: [...h.buckets.entries()].sort((a, b) => a[0] - b[0]), sum: h.sum, count: h.count });
  return out;
}

export function diff(after: Histogram, before: Histogram | undefined): Histogram {
  if (!before) return after;
  const prev = new Map(before.buckets);
  return {
    buckets: after.buckets.map(([le, c]) => [le, c - (prev.get(le) ?? 0)] as const),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

export function diffAll(after: Map<string, Histogram>, before: Map<string, Histogram>): Map<string, Histogram> {
  const out = new Map<string, Histogram>();
  for (const [g, h] of after) {
    const d = diff(h, before.get(g));
    if (d.count > 0) out.set(g, d);
  }
  return out;
}

export function merge(hs: Iterable<Histogram>): Histogram | undefined {
  let out: Histogram | undefined;
  for (const h of hs) {
    if (!out) {
      out = h;
      continue;
    }
    const prev = new Map(out.buckets);
    out = { buckets: h.buckets.map(([le, c]) => [le, c + (prev.get(le) ?? 0)] as const), sum: out.sum + h.sum, count: out.count + h.count };
  }
  return out;
}

/** PromQL histogram_quantile on one histogram (seconds in, seconds out). */
export function quantile(h: Histogram, q: number): number {
  if (h.count <= 0 || h.buckets.length === 0) return Number.NaN;
  const total = h.buckets[h.buckets.length - 1]![1];
  const rank = q * total;
  let prevLe = 0;
  let prevC = 0;
  for (const [le, c] of h.buckets) {
    if (c >= rank) {
      if (le === Infinity) return prevLe;
      if (c === prevC) return le;
      return prevLe + ((le - prevLe) * (rank - prevC)) / (c - prevC);
    }
    prevLe = le;
    prevC = c;
  }
  return prevLe;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export function summarize(h: Histogram | undefined): HistSummary | undefined {
  if (!h || h.count <= 0) return undefined;
  return {
    count: h.count,
    meanMs: r3((1000 * h.sum) / h.count),
    p50Ms: r3(1000 * quantile(h, 0.5)),
    p90Ms: r3(1000 * quantile(h, 0.9)),
    p99Ms: r3(1000 * quantile(h, 0.99)),
  };
}
