import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { chooseSource, main, parseDuration } from '../../src/cli.js';
import { EMBEDDED_SNAPSHOT, loadSnapshotFile, parseSnapshot } from '../../src/cluster/snapshot.js';
import type { ExplainReport } from '../../src/explain.js';

const EXAMPLE = 'examples/cluster.yaml';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const examplePods = (): string[] =>
  loadSnapshotFile(EXAMPLE)
    .store.list('Pod')
    .map((p) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`);

describe('explain on the bundled example', () => {
  it('covers the pods the example is built to show', () => {
    expect(examplePods().sort()).toEqual(
      ['analytics/etl-0', 'analytics/etl-1', 'shop/archive-0', 'shop/cache-0', 'shop/db-0', 'shop/legacy-0', 'shop/nginx', 'shop/orphan-0', 'shop/report-0', 'shop/web-0', 'shop/web-1', 'shop/web-2', 'shop/web-9'].sort(),
    );
  });

  it.each(examplePods().map((p) => ({ pod: p })))('$pod: JSON contract has exactly the documented keys and a readable text report', async ({ pod }) => {
    const json = await run(['explain', '--snapshot', EXAMPLE, '--pod', pod, '--output', 'json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as ExplainReport;
    expect(report.pod).toBe(pod);
    for (const k of Object.keys(report)) expect(['pod', 'error', 'unschedulable', 'nodes']).toContain(k);
    expect(report.nodes).toHaveLength(12);
    for (const n of report.nodes) {
      expect(Object.keys(n).sort()).toEqual(['explanation', 'fits', 'name', 'provisions', 'reasons', 'score', 'staticBindings']);
      expect(n.explanation.length).toBeGreaterThan(0);
      if (!n.fits) {
        expect(n.score).toBeNull();
        expect(n.staticBindings).toEqual([]);
        expect(n.provisions).toEqual([]);
      } else {
        expect(n.reasons).toEqual([]);
        expect(n.score).toBeGreaterThanOrEqual(0);
        expect(n.score).toBeLessThanOrEqual(100);
      }
    }
    const text = await run(['explain', '--snapshot', EXAMPLE, '--pod', pod]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(new RegExp(`^Pod ${pod}: \\d+ of 12 node\\(s\\) can satisfy its volumes`));
  });

  it.each([
    { pod: 'shop/report-0', fits: ['node-a-r2-1', 'node-a-r2-2'], line: 'PV rack-r2-shared needs rack In [r2]; node node-a-r1-1 has rack=r1' },
    { pod: 'shop/cache-0', fits: ['node-b-r3-1'], line: 'PV local-node-b-r3-1-50g needs kubernetes.io/hostname In [node-b-r3-1]; node node-a-r1-1 has kubernetes.io/hostname=node-a-r1-1' },
    { pod: 'analytics/etl-0', fits: ['node-a-r1-1', 'node-a-r1-2', 'node-a-r2-1', 'node-a-r2-2'], line: 'CSIStorageCapacity' },
    { pod: 'analytics/etl-1', fits: [], line: 'node node-d-r7-1 no longer exists (stale annotation' },
  ])('$pod: fits exactly on $fits and names the label at fault', async ({ pod, fits, line }) => {
    const report = JSON.parse((await run(['explain', '--snapshot', EXAMPLE, '--pod', pod, '--output', 'json'])).out) as ExplainReport;
    expect(report.nodes.filter((n) => n.fits).map((n) => n.name)).toEqual(fits);
    expect(report.nodes.flatMap((n) => n.explanation).join('\n')).toContain(line);
  });

  it('unschedulable and plan fields', async () => {
    const legacy = JSON.parse((await run(['explain', '--snapshot', EXAMPLE, '--pod', 'shop/legacy-0', '--output', 'json'])).out) as ExplainReport;
    expect(legacy.unschedulable).toBe('pod has unbound immediate PersistentVolumeClaims');
    expect(legacy.nodes.every((n) => !n.fits && n.reasons[0] === 'pod has unbound immediate PersistentVolumeClaims')).toBe(true);
    const db = JSON.parse((await run(['explain', '--snapshot', EXAMPLE, '--pod', 'shop/db-0', '--output', 'json'])).out) as ExplainReport;
    const n = db.nodes.find((x) => x.name === 'node-c-r5-1')!;
    expect(n.staticBindings).toEqual([
      { claim: 'shop/db-wal', volume: 'local-node-c-r5-1-10g' },
      { claim: 'shop/db-data', volume: 'local-node-c-r5-1-50g' },
    ]);
    const etl = JSON.parse((await run(['explain', '--snapshot', EXAMPLE, '--pod', 'analytics/etl-0', '--output', 'json'])).out) as ExplainReport;
    expect(etl.nodes.find((x) => x.name === 'node-a-r1-1')!.provisions).toEqual(['analytics/scratch-etl-0']);
  });

  it('policy changes scores: scoring-off gives null, binpack prefers the tightest fit', async () => {
    const off = JSON.parse((await run(['explain', '--snapshot', EXAMPLE, '--pod', 'shop/web-0', '--output', 'json', '--policy', 'policies/scoring-off.yaml'])).out) as ExplainReport;
    expect(off.nodes.every((n) => n.score === null)).toBe(true);
    const bin = JSON.parse((await run(['explain', '--snapshot', EXAMPLE, '--pod', 'shop/web-0', '--output', 'json', '--policy', 'policies/binpack.yaml'])).out) as ExplainReport;
    // 20Gi on a 50Gi PV: utilization 40 → binpack score 40 (default shape would give 60).
    expect(bin.nodes.filter((n) => n.fits).every((n) => n.score === 40)).toBe(true);
  });
});

describe('CLI errors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vte-cli-'));
  });

  it.each([
    { name: 'missing snapshot file', args: () => ['explain', '--snapshot', join(dir, 'nope.yaml'), '--pod', 'a/b'], code: 1, err: /snapshot file not found: .*nope\.yaml/ },
    { name: 'unknown pod', args: () => ['explain', '--snapshot', EXAMPLE, '--pod', 'shop/nope'], code: 1, err: /pod shop\/nope not found/ },
    {
      name: 'unparsable snapshot',
      args: () => {
        writeFileSync(join(dir, 'bad.yaml'), 'kind: List\nitems: [\n');
        return ['explain', '--snapshot', join(dir, 'bad.yaml'), '--pod', 'a/b'];
      },
      code: 1,
      err: /bad\.yaml:\d+:\d+: invalid YAML/,
    },
    { name: 'no --pod', args: () => ['explain', '--snapshot', EXAMPLE], code: 2, err: /--pod NAMESPACE\/NAME is required/ },
    { name: 'bad --output', args: () => ['explain', '--snapshot', EXAMPLE, '--pod', 'a/b', '--output', 'xml'], code: 2, err: /--output must be text or json/ },
    { name: 'unknown command', args: () => ['frobnicate'], code: 2, err: /unknown command "frobnicate"/ },
    {
      name: 'invalid policy names line and field',
      args: () => {
        writeFileSync(join(dir, 'p.yaml'), 'scoring:\n  capacity:\n    shape:\n      - {utilization: 0, score: 12}\n');
        return ['check-policy', join(dir, 'p.yaml')];
      },
      code: 1,
      err: /p\.yaml:4:\d+: scoring\.capacity\.shape\[0\]\.score: Too big/,
    },
  ])('$name → exit $code with a clear message', async ({ args, code, err }) => {
    const r = await run(args());
    expect(r.code).toBe(code);
    expect(r.err).toMatch(err);
  });

  it('every shipped policy validates', async () => {
    for (const f of readdirSync('policies').filter((x) => x.endsWith('.yaml'))) {
      const r = await run(['check-policy', join('policies', f)]);
      expect(r.code, `${f}: ${r.err}`).toBe(0);
    }
  });
});

describe('source selection and flags', () => {
  it.each([
    { name: '--snapshot wins', opts: { snapshot: 's.yaml', kubeconfig: 'k' }, env: { KUBECONFIG: 'x' }, want: { kind: 'snapshot', path: 's.yaml', embedded: false } },
    { name: '--kubeconfig', opts: { kubeconfig: 'k' }, env: {}, want: { kind: 'live', kubeconfig: 'k', why: '--kubeconfig' } },
    { name: '$KUBECONFIG (first path)', opts: {}, env: { KUBECONFIG: 'a:b' }, want: { kind: 'live', kubeconfig: 'a', why: '$KUBECONFIG' } },
    { name: 'in-cluster', opts: {}, env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, want: { kind: 'live', kubeconfig: undefined, why: 'in-cluster service account' } },
  ])('$name', ({ opts, env, want }) => {
    expect(chooseSource(opts, env)).toEqual(want);
  });

  it('~/.kube/config, else the embedded example', () => {
    const home = mkdtempSync(join(tmpdir(), 'vte-home-'));
    expect(chooseSource({}, {}, home)).toEqual({ kind: 'snapshot', path: EMBEDDED_SNAPSHOT, embedded: true });
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\nkind: Config\n');
    expect(chooseSource({}, {}, home)).toEqual({ kind: 'live', kubeconfig: join(home, '.kube', 'config'), why: '~/.kube/config' });
  });

  it.each([
    ['100s', 100_000],
    ['2m', 120_000],
    ['1500ms', 1500],
    ['30', 30_000],
  ] as const)('duration %s = %d ms', (text, ms) => {
    expect(parseDuration(text, '--x')).toBe(ms);
  });

  it('bad duration is a usage error', () => {
    expect(() => parseDuration('soon', '--bind-timeout')).toThrow(/--bind-timeout: "soon" is not a duration/);
  });
});

describe('snapshot formats', () => {
  const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'p1' } };
  it.each([
    { name: 'kind: List', text: JSON.stringify({ kind: 'List', items: [pv] }) },
    { name: 'typed list', text: 'kind: PersistentVolumeList\nitems:\n- metadata: {name: p1}\n' },
    { name: 'multi-document YAML', text: `---\n${JSON.stringify(pv)}\n---\n` },
    { name: 'JSON array', text: JSON.stringify([pv]) },
  ])('$name', ({ text }) => {
    const objs = parseSnapshot(text, 'x');
    expect(objs.map((o) => [o.kind, o.metadata?.name])).toEqual([['PersistentVolume', 'p1']]);
  });

  it('an object without kind names its place', () => {
    expect(() => parseSnapshot('---\nmetadata: {name: a}\n', 'f.yaml')).toThrow(/f\.yaml:2 \(document 1\): object has no "kind"/);
  });
});
