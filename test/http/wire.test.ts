import { describe, expect, it } from 'vitest';
import { harness, namesArgs, PODS } from './fixtures.js';
import {
  decodeBindingArgs,
  decodeExtenderArgs,
  encodeFilterResult,
  filterError,
  filterResult,
  foldKeys,
  formatPath,
  hostPriority,
  preemptionResult,
} from '../../src/http/wire.js';

describe('wire: key folding', () => {
  it.each([
    { name: 'canonical names kept', input: { Pod: 1, NodeNames: 2 }, want: { Pod: 1, NodeNames: 2 } },
    { name: 'any case folds to the Go field', input: { pOD: 1, nodenames: 2 }, want: { Pod: 1, NodeNames: 2 } },
    { name: 'unknown keys dropped', input: { Pod: 1, Extra: 2 }, want: { Pod: 1 } },
    { name: 'later duplicate wins (encoding/json)', input: { Pod: 1, pod: 2 }, want: { Pod: 2 } },
    { name: 'non-objects pass through', input: [1, 2], want: [1, 2] },
  ])('$name', ({ input, want }) => {
    expect(foldKeys(['Pod', 'Nodes', 'NodeNames'])(input)).toEqual(want);
  });

  it('decodes PascalCase and lowercase binding args alike', () => {
    const want = { ok: true, value: { podName: 'p', podNamespace: 'ns', podUid: 'u', node: 'n' } };
    expect(decodeBindingArgs('bind', { PodName: 'p', PodNamespace: 'ns', PodUID: 'u', Node: 'n' })).toEqual(want);
    expect(decodeBindingArgs('bind', { podname: 'p', podnamespace: 'ns', poduid: 'u', node: 'n' })).toEqual(want);
  });

  it('passes unknown Pod fields through to the engine', () => {
    const r = decodeExtenderArgs('filter', namesArgs(PODS.web));
    expect(r.ok && r.value.pod).toEqual(PODS.web);
  });

  it.each([
    { name: 'fields', path: ['Pod', 'metadata'], want: 'Pod.metadata' },
    { name: 'indexes', path: ['Nodes', 'items', 0, 'metadata'], want: 'Nodes.items[0].metadata' },
    { name: 'map keys that are not identifiers', path: ['NodeNameToVictims', 'node-a.z1', 'Pods'], want: 'NodeNameToVictims["node-a.z1"].Pods' },
  ])('formatPath: $name', ({ path, want }) => {
    expect(formatPath(path)).toBe(want);
  });
});

describe('wire: response builders emit exact keys', () => {
  it.each([
    {
      name: 'filter, names',
      got: filterResult({ kind: 'names', passed: ['a'] }, [['b', 'why']]),
      json: '{"Nodes":null,"NodeNames":["a"],"FailedNodes":{},"FailedAndUnresolvableNodes":{"b":"why"},"Error":""}',
    },
    {
      name: 'filter, nodes',
      got: filterResult({ kind: 'nodes', passed: [{ metadata: { name: 'a' } }] }, []),
      json: '{"Nodes":{"metadata":{},"items":[{"metadata":{"name":"a"}}]},"NodeNames":null,"FailedNodes":{},"FailedAndUnresolvableNodes":{},"Error":""}',
    },
    {
      name: 'filter, error',
      got: filterError('failed to find storage class "fast"'),
      json: '{"Nodes":null,"NodeNames":null,"FailedNodes":null,"FailedAndUnresolvableNodes":null,"Error":"failed to find storage class \\"fast\\""}',
    },
    { name: 'host priority', got: [hostPriority('node-a', 8)], json: '[{"Host":"node-a","Score":8}]' },
    {
      name: 'preemption',
      got: preemptionResult([['node-a', { Pods: [{ UID: 'u' }], NumPDBViolations: 1 }]]),
      json: '{"NodeNameToMetaVictims":{"node-a":{"Pods":[{"UID":"u"}],"NumPDBViolations":1}}}',
    },
  ])('$name', ({ got, json }) => {
    expect(JSON.stringify(got)).toBe(json);
  });

  it('a node named "__proto__" is an ordinary map key', async () => {
    const h = harness();
    const res = await h.post('filter', namesArgs(PODS.web, ['__proto__', 'node-a'])).expect(200);
    expect(res.text).toContain('"FailedAndUnresolvableNodes":{"__proto__":');
    expect(res.body.NodeNames).toEqual(['node-a']);
  });
});

describe('wire: encodeFilterResult writes the filterResult JSON directly', () => {
  type Passed = Parameters<typeof encodeFilterResult>[0];
  const cases: { name: string; nodes: Passed; failed: [string, string][] }[] = [
    { name: 'names, some failed', nodes: { kind: 'names', passed: ['a', 'c'] }, failed: [['b', 'why'], ['d', 'node(s) did not have enough free storage']] },
    { name: 'names, none passed', nodes: { kind: 'names', passed: [] }, failed: [['x', 'r']] },
    { name: 'names, nothing failed', nodes: { kind: 'names', passed: ['a'] }, failed: [] },
    { name: 'nodes mode echoes the items', nodes: { kind: 'nodes', passed: [{ metadata: { name: 'a', labels: { z: '1' } } }] }, failed: [['b', 'why']] },
    { name: 'names and messages that need escaping', nodes: { kind: 'names', passed: ['q"uote'] }, failed: [['back\\slash', 'line\nbreak "quoted" é\u2028']] },
    { name: 'failed names with controls, quotes, lone and paired surrogates', nodes: { kind: 'names', passed: [] }, failed: [['a\u0001b', 'r'], ['x"y', 'r'], ['lone\ud800', 'r'], ['pair\ud83d\ude00', 'r'], ['tab\t', 'r'], ['plain-node.example.com', 'r']] },
  ];

  it.each(cases)('$name: byte-identical to JSON.stringify(filterResult)', ({ nodes, failed }) => {
    expect(encodeFilterResult(nodes, failed.map((f) => f[0]), failed.map((f) => f[1]))).toBe(JSON.stringify(filterResult(nodes, failed)));
  });

  it('a node named "__proto__" decodes as an ordinary key', () => {
    const text = encodeFilterResult({ kind: 'names', passed: [] }, ['__proto__', 'n'], ['why', 'other']);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(filterResult({ kind: 'names', passed: [] }, [['__proto__', 'why'], ['n', 'other']]))));
    expect(Object.keys(JSON.parse(text).FailedAndUnresolvableNodes)).toEqual(['__proto__', 'n']);
  });

  it('a node listed twice decodes to the last message, as the object form keeps it', () => {
    const failed: [string, string][] = [['n', 'first'], ['m', 'x'], ['n', 'second']];
    expect(JSON.parse(encodeFilterResult({ kind: 'names', passed: [] }, failed.map((f) => f[0]), failed.map((f) => f[1])))).toEqual(JSON.parse(JSON.stringify(filterResult({ kind: 'names', passed: [] }, failed))));
  });
});
