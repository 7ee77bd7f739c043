import { describe, expect, it } from 'vitest';
import { toCapacityEntry } from '../../src/engine/entries.js';
import {
  compileLabelSelector,
  compileLabelSelectorLenient,
  compileNodeSelector,
  compilePVAffinity,
  compileTopologyTerms,
  makeRequirement,
  selectorMatches,
} from '../../src/engine/selectors.js';
import { TopologyIndex } from '../../src/engine/topology-index.js';
import type { NodeSelectorRequirement, NodeSelectorTerm, TopologySelectorTerm } from '../../src/engine/types.js';
import { expr, makeCapacity, makePV } from '../fixtures/builders.js';
import { refNodeSelectorMatches } from '../fixtures/reference.js';

const NODE = { 'kubernetes.io/hostname': 'node-a', 'topology.kubernetes.io/zone': 'z1', rack: 'r1', gen: '5', weird: 'abc', empty: '' };

function matchesExprs(exprs: NodeSelectorRequirement[], labels: Record<string, string> = NODE): boolean {
  return selectorMatches(compileNodeSelector({ nodeSelectorTerms: [{ matchExpressions: exprs }] }), labels);
}

describe('R3.5 matchExpressions operators', () => {
  it.each([
    { name: 'In: value in set', e: expr('rack', 'In', ['r0', 'r1']), want: true },
    { name: 'In: value not in set', e: expr('rack', 'In', ['r2']), want: false },
    { name: 'In: label absent', e: expr('missing', 'In', ['r1']), want: false },
    { name: 'In: empty-string value matches empty label', e: expr('empty', 'In', ['']), want: true },
    { name: 'NotIn: value in set', e: expr('rack', 'NotIn', ['r1']), want: false },
    { name: 'NotIn: value not in set', e: expr('rack', 'NotIn', ['r2']), want: true },
    { name: 'NotIn: label absent matches', e: expr('missing', 'NotIn', ['r1']), want: true },
    { name: 'Exists: present', e: expr('rack', 'Exists'), want: true },
    { name: 'Exists: present with empty value', e: expr('empty', 'Exists'), want: true },
    { name: 'Exists: absent', e: expr('missing', 'Exists'), want: false },
    { name: 'DoesNotExist: absent', e: expr('missing', 'DoesNotExist'), want: true },
    { name: 'DoesNotExist: present', e: expr('rack', 'DoesNotExist'), want: false },
    { name: 'Gt: 5 > 4', e: expr('gen', 'Gt', ['4']), want: true },
    { name: 'Gt: 5 > 5 is false', e: expr('gen', 'Gt', ['5']), want: false },
    { name: 'Gt: leading zeros parse base-10', e: expr('gen', 'Gt', ['004']), want: true },
    { name: 'Lt: 5 < 6', e: expr('gen', 'Lt', ['6']), want: true },
    { name: 'Lt: 5 < 5 is false', e: expr('gen', 'Lt', ['5']), want: false },
    { name: 'Gt: label absent', e: expr('missing', 'Gt', ['1']), want: false },
    { name: 'Gt: non-integer label never matches', e: expr('weird', 'Gt', ['1']), want: false },
    { name: 'Lt: non-integer label never matches', e: expr('weird', 'Lt', ['1']), want: false },
    { name: 'Lt: empty label is not an integer', e: expr('empty', 'Lt', ['1']), want: false },
  ])('$name → $want', ({ e, want }) => {
    expect(matchesExprs([e])).toBe(want);
    expect(refNodeSelectorMatches({ nodeSelectorTerms: [{ matchExpressions: [e] }] }, NODE)).toBe(want);
  });

  it.each([
    { name: 'Gt on a negative label', labels: { n: '-3' }, e: expr('n', 'Gt', ['1']), want: false },
    { name: 'Lt on a negative label', labels: { n: '-3' }, e: expr('n', 'Lt', ['1']), want: true },
    { name: 'Gt on a "+7" label (ParseInt accepts a sign)', labels: { n: '+7' }, e: expr('n', 'Gt', ['6']), want: true },
    { name: 'Gt on a label beyond int64', labels: { n: '9223372036854775808' }, e: expr('n', 'Gt', ['1']), want: false },
    { name: 'Gt at int64 max', labels: { n: '9223372036854775807' }, e: expr('n', 'Gt', ['9223372036854775806']), want: true },
    { name: 'Gt on a decimal label', labels: { n: '1.5' }, e: expr('n', 'Gt', ['1']), want: false },
  ])('Gt/Lt label parsing: $name → $want', ({ labels, e, want }) => {
    expect(matchesExprs([e], labels)).toBe(want);
  });

  it('expressions inside a term are ANDed', () => {
    expect(matchesExprs([expr('rack', 'In', ['r1']), expr('gen', 'Gt', ['3'])])).toBe(true);
    expect(matchesExprs([expr('rack', 'In', ['r1']), expr('gen', 'Gt', ['9'])])).toBe(false);
  });
});

describe('R3.5 parse errors (requirement never matches)', () => {
  it.each([
    { name: 'In with no values', e: expr('rack', 'In', []), msg: "for 'in', 'notin' operators, values set can't be empty" },
    { name: 'NotIn with no values', e: expr('missing', 'NotIn', []), msg: "for 'in', 'notin' operators, values set can't be empty" },
    { name: 'Exists with values', e: expr('rack', 'Exists', ['r1']), msg: 'values set must be empty for exists and does not exist' },
    { name: 'DoesNotExist with values', e: expr('missing', 'DoesNotExist', ['x']), msg: 'values set must be empty for exists and does not exist' },
    { name: 'Gt with two values', e: expr('gen', 'Gt', ['1', '2']), msg: "for 'Gt', 'Lt' operators, exactly one value is required" },
    { name: 'Lt with no values', e: expr('gen', 'Lt', []), msg: "for 'Gt', 'Lt' operators, exactly one value is required" },
    { name: 'Gt with a non-integer', e: expr('gen', 'Gt', ['one']), msg: "for 'Gt', 'Lt' operators, the value must be an integer" },
    { name: 'Lt with a decimal', e: expr('gen', 'Lt', ['9.5']), msg: "for 'Gt', 'Lt' operators, the value must be an integer" },
    { name: 'Gt with an out-of-range int64', e: expr('gen', 'Gt', ['9223372036854775808']), msg: "for 'Gt', 'Lt' operators, the value must be an integer" },
    { name: 'unknown operator', e: expr('rack', 'Equals', ['r1']), msg: '"Equals" is not a valid node selector operator' },
    { name: 'invalid key', e: expr('bad key!', 'Exists'), msg: 'invalid label key' },
    { name: 'key with two slashes', e: expr('a/b/c', 'Exists'), msg: 'invalid label key' },
    { name: 'key with uppercase prefix', e: expr('Example.com/rack', 'Exists'), msg: 'invalid label key' },
    { name: 'invalid value', e: expr('rack', 'In', ['r1', 'not a value']), msg: 'invalid label value' },
    { name: 'value longer than 63', e: expr('rack', 'In', ['x'.repeat(64)]), msg: 'invalid label value' },
    // Upstream NewRequirement validates every value as a label value, Gt/Lt too: "-1" parses as
    // an integer but is not a valid label value (must start with an alphanumeric).
    { name: 'Gt with a negative value (not a valid label value)', e: expr('gen', 'Gt', ['-1']), msg: 'invalid label value' },
    { name: 'Lt with a "+" sign (not a valid label value)', e: expr('gen', 'Lt', ['+9']), msg: 'invalid label value' },
  ])('$name', ({ e, msg }) => {
    expect(() => makeRequirement(e.key, e.operator, e.values, true)).toThrow(msg);
    const sel = compileNodeSelector({ nodeSelectorTerms: [{ matchExpressions: [e] }] });
    expect(sel.terms).toHaveLength(0);
    expect(sel.errors.join()).toContain(msg);
    expect(selectorMatches(sel, NODE)).toBe(false);
    expect(refNodeSelectorMatches({ nodeSelectorTerms: [{ matchExpressions: [e] }] }, NODE)).toBe(false);
  });

  it('an invalid term never matches while another valid term still can (terms ORed)', () => {
    const terms: NodeSelectorTerm[] = [{ matchExpressions: [expr('rack', 'In', [])] }, { matchExpressions: [expr('rack', 'In', ['r1'])] }];
    const sel = compileNodeSelector({ nodeSelectorTerms: terms });
    expect(sel.terms).toHaveLength(1);
    expect(sel.errors).toHaveLength(1);
    expect(selectorMatches(sel, NODE)).toBe(true);
    expect(selectorMatches(sel, { rack: 'r9' })).toBe(false);
  });

  it('one invalid expression invalidates its whole term even if the others would match', () => {
    const sel = compileNodeSelector({ nodeSelectorTerms: [{ matchExpressions: [expr('rack', 'In', ['r1']), expr('gen', 'Gt', ['x'])] }] });
    expect(selectorMatches(sel, NODE)).toBe(false);
  });

  it('Gt/Lt are rejected in label selectors (claim selector, CSIStorageCapacity topology)', () => {
    expect(() => compileLabelSelector({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['1'] }] })).toThrow('"Gt" is not a valid label selector operator');
  });
});

describe('R3.1–R3.4 PV node affinity (CheckNodeAffinity)', () => {
  it.each([
    { name: 'nil nodeAffinity matches every node', pv: makePV('p', 'sc'), labels: {}, want: true },
    { name: 'nil required matches every node', pv: makePV('p', 'sc').withNodeSelector(null), labels: {}, want: true },
    { name: 'zero terms → matches no node', pv: makePV('p', 'sc').withNodeAffinityTerms(), labels: NODE, want: false },
    { name: 'nodeSelectorTerms: null → matches no node', pv: makePV('p', 'sc').withNodeSelector({ nodeSelectorTerms: null }), labels: NODE, want: false },
    { name: 'only an empty term → dropped → no node', pv: makePV('p', 'sc').withNodeAffinityTerms({}), labels: NODE, want: false },
    {
      name: 'empty term dropped, the other term decides (match)',
      pv: makePV('p', 'sc').withNodeAffinityTerms({ matchExpressions: [] }, { matchExpressions: [expr('rack', 'In', ['r1'])] }),
      labels: NODE,
      want: true,
    },
    {
      name: 'empty term dropped, the other term decides (no match)',
      pv: makePV('p', 'sc').withNodeAffinityTerms({ matchExpressions: [], matchFields: [] }, { matchExpressions: [expr('rack', 'In', ['r2'])] }),
      labels: NODE,
      want: false,
    },
    { name: 'hostname In matches', pv: makePV('p', 'sc').withNodeAffinity({ 'kubernetes.io/hostname': ['node-a'] }), labels: NODE, want: true },
    { name: 'hostname In mismatch', pv: makePV('p', 'sc').withNodeAffinity({ 'kubernetes.io/hostname': ['node-b'] }), labels: NODE, want: false },
    {
      name: 'terms ORed: second term matches',
      pv: makePV('p', 'sc').withNodeAffinityTerms({ matchExpressions: [expr('rack', 'In', ['r9'])] }, { matchExpressions: [expr('topology.kubernetes.io/zone', 'In', ['z1'])] }),
      labels: NODE,
      want: true,
    },
    // S2: matchFields are not evaluated (labels-only synthetic node without a name).
    {
      name: 'S2: matchFields naming another node are ignored',
      pv: makePV('p', 'sc').withNodeAffinityTerms({ matchFields: [expr('metadata.name', 'In', ['node-zzz'])] }),
      labels: NODE,
      want: true,
    },
    {
      name: 'S2: matchFields NotIn this node are ignored',
      pv: makePV('p', 'sc').withNodeAffinityTerms({ matchFields: [expr('metadata.name', 'NotIn', ['node-a'])] }),
      labels: NODE,
      want: true,
    },
    {
      name: 'S2: matchExpressions decide when combined with matchFields',
      pv: makePV('p', 'sc').withNodeAffinityTerms({ matchExpressions: [expr('rack', 'In', ['r2'])], matchFields: [expr('metadata.name', 'In', ['node-a'])] }),
      labels: NODE,
      want: false,
    },
    {
      name: 'invalid matchFields (operator Exists) invalidate the term',
      pv: makePV('p', 'sc').withNodeAffinityTerms({ matchExpressions: [expr('rack', 'In', ['r1'])], matchFields: [expr('metadata.name', 'Exists')] }),
      labels: NODE,
      want: false,
    },
    {
      name: 'invalid matchFields (two values) invalidate the term',
      pv: makePV('p', 'sc').withNodeAffinityTerms({ matchFields: [expr('metadata.name', 'In', ['node-a', 'node-b'])] }),
      labels: NODE,
      want: false,
    },
    {
      name: 'invalid matchFields in one term, a valid other term still matches',
      pv: makePV('p', 'sc').withNodeAffinityTerms({ matchFields: [expr('metadata.name', 'Gt', ['1'])] }, { matchExpressions: [expr('rack', 'Exists')] }),
      labels: NODE,
      want: true,
    },
  ])('$name', ({ pv, labels, want }) => {
    const built = pv.build();
    expect(selectorMatches(compilePVAffinity(built), labels)).toBe(want);
  });
});

describe('R3.6 StorageClass allowedTopologies (MatchTopologySelectorTerms)', () => {
  const zone = 'topology.kubernetes.io/zone';
  it.each<{ name: string; terms: TopologySelectorTerm[] | null; want: boolean }>([
    { name: 'absent list → every node', terms: null, want: true },
    { name: 'empty list → every node', terms: [], want: true },
    { name: 'matching term', terms: [{ matchLabelExpressions: [{ key: zone, values: ['z1', 'z2'] }] }], want: true },
    { name: 'non-matching term', terms: [{ matchLabelExpressions: [{ key: zone, values: ['z2'] }] }], want: false },
    { name: 'expressions ANDed in a term', terms: [{ matchLabelExpressions: [{ key: zone, values: ['z1'] }, { key: 'rack', values: ['r2'] }] }], want: false },
    { name: 'terms ORed', terms: [{ matchLabelExpressions: [{ key: zone, values: ['z9'] }] }, { matchLabelExpressions: [{ key: 'rack', values: ['r1'] }] }], want: true },
    { name: 'term without expressions is skipped (matches nothing)', terms: [{}], want: false },
    { name: 'term with empty expressions skipped, next term matches', terms: [{ matchLabelExpressions: [] }, { matchLabelExpressions: [{ key: zone, values: ['z1'] }] }], want: true },
    { name: 'parse error (no values) makes that term not match', terms: [{ matchLabelExpressions: [{ key: zone, values: [] }] }], want: false },
    {
      name: 'parse error in one term, a valid other term still matches',
      terms: [{ matchLabelExpressions: [{ key: 'bad key', values: ['x'] }] }, { matchLabelExpressions: [{ key: zone, values: ['z1'] }] }],
      want: true,
    },
    { name: 'label absent', terms: [{ matchLabelExpressions: [{ key: 'absent', values: ['x'] }] }], want: false },
  ])('$name → $want', ({ terms, want }) => {
    expect(selectorMatches(compileTopologyTerms(terms), NODE)).toBe(want);
  });
});

describe('R3.7 CSIStorageCapacity nodeTopology (metav1.LabelSelector)', () => {
  it.each([
    { name: 'nil → usable by no node', cap: makeCapacity('c', 'sc', '1Gi', null), labels: NODE, want: false },
    { name: 'nil → not even by an unlabelled node', cap: makeCapacity('c', 'sc', '1Gi', null), labels: {}, want: false },
    { name: '{} → every node', cap: makeCapacity('c', 'sc', '1Gi').withTopology({}), labels: {}, want: true },
    { name: 'empty matchLabels → every node', cap: makeCapacity('c', 'sc', '1Gi', {}), labels: NODE, want: true },
    { name: 'matchLabels match', cap: makeCapacity('c', 'sc', '1Gi', { rack: 'r1' }), labels: NODE, want: true },
    { name: 'matchLabels mismatch', cap: makeCapacity('c', 'sc', '1Gi', { rack: 'r2' }), labels: NODE, want: false },
    {
      name: 'matchExpressions NotIn with absent label',
      cap: makeCapacity('c', 'sc', '1Gi').withTopology({ matchExpressions: [{ key: 'absent', operator: 'NotIn', values: ['x'] }] }),
      labels: NODE,
      want: true,
    },
    {
      name: 'matchExpressions DoesNotExist',
      cap: makeCapacity('c', 'sc', '1Gi').withTopology({ matchExpressions: [{ key: 'rack', operator: 'DoesNotExist' }] }),
      labels: NODE,
      want: false,
    },
    {
      name: 'matchLabels AND matchExpressions',
      cap: makeCapacity('c', 'sc', '1Gi').withTopology({ matchLabels: { rack: 'r1' }, matchExpressions: [{ key: 'gen', operator: 'In', values: ['4'] }] }),
      labels: NODE,
      want: false,
    },
    {
      name: 'conversion error (Gt) → not usable',
      cap: makeCapacity('c', 'sc', '1Gi').withTopology({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['1'] }] }),
      labels: NODE,
      want: false,
    },
    {
      name: 'conversion error (invalid key) → not usable',
      cap: makeCapacity('c', 'sc', '1Gi').withTopology({ matchLabels: { 'bad key': 'x' } }),
      labels: NODE,
      want: false,
    },
  ])('$name → $want', ({ cap, labels, want }) => {
    const entry = toCapacityEntry(cap.build());
    expect(selectorMatches(entry.topology, labels)).toBe(want);
  });

  it('lenient compile keeps the conversion error', () => {
    const s = compileLabelSelectorLenient({ matchExpressions: [{ key: 'k', operator: 'Gt', values: ['1'] }] });
    expect(s.all).toBe(false);
    expect(s.errors).toEqual(['"Gt" is not a valid label selector operator']);
  });
});

describe('TopologyIndex agrees with direct selector evaluation', () => {
  const selectors = [
    compileNodeSelector({ nodeSelectorTerms: [inTerm('kubernetes.io/hostname', ['node-a'])] }),
    compileNodeSelector({ nodeSelectorTerms: [inTerm('kubernetes.io/hostname', ['node-b', 'node-c'])] }),
    compileNodeSelector({ nodeSelectorTerms: [{ matchExpressions: [expr('rack', 'NotIn', ['r1'])] }] }),
    compileNodeSelector({ nodeSelectorTerms: [{ matchExpressions: [expr('rack', 'In', ['r1']), expr('gen', 'Gt', ['3'])] }, inTerm('topology.kubernetes.io/zone', ['z2'])] }),
    compileNodeSelector({ nodeSelectorTerms: [] }),
    compileNodeSelector({ nodeSelectorTerms: [{ matchFields: [expr('metadata.name', 'In', ['x'])] }] }),
    compileNodeSelector(null),
  ];
  const nodes: Record<string, string>[] = [
    NODE,
    { 'kubernetes.io/hostname': 'node-b', rack: 'r2', 'topology.kubernetes.io/zone': 'z2' },
    { 'kubernetes.io/hostname': 'node-c', 'topology.kubernetes.io/zone': 'z2', gen: '2' },
    {},
  ];
  const idx = new TopologyIndex<number>();
  selectors.forEach((s, i) => { idx.add(i, s); });

  it.each(nodes.map((labels, i) => ({ i, labels })))('node #$i', ({ labels }) => {
    const want = selectors.flatMap((s, i) => (selectorMatches(s, labels) ? [i] : [])).sort();
    expect(idx.matching(labels).sort()).toEqual(want);
  });

  it('remove() drops an item from every bucket', () => {
    const local = new TopologyIndex<string>();
    local.add('x', selectors[3]!);
    local.add('y', selectors[6]!);
    local.remove('x');
    expect(local.matching(NODE)).toEqual(['y']);
    expect(local.matching(nodes[1]!)).toEqual(['y']);
    expect(local.size).toBe(1);
  });
});

function inTerm(key: string, values: string[]): NodeSelectorTerm {
  return { matchExpressions: [expr(key, 'In', values)] };
}
