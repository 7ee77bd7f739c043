/**
 * Cases derived from upstream staging/src/k8s.io/component-helpers/storage/volume:
 * pv_helpers_test.go (TestDelayBindingMode, TestFindMatchVolumeWithNode) and helpers_test.go
 * (TestCheckVolumeNodeAffinity), driven through the `explain` JSON report (explainPod on a
 * ClusterStore loaded from plain objects).
 *
 * The helpers are observed through what the scheduler makes of them: FindMatchingVolume's
 * answer is the node's static binding (no match → the bind-conflict reason, the class cannot
 * provision); CheckNodeAffinity's answer for a bound claim is fit or the node-affinity reason;
 * IsDelayBindingMode decides between node-level evaluation and the pod-level "unbound immediate"
 * rejection (repeated per node: documented extender difference), and its error is the report's
 * scheduling `error`.
 */
import { describe, expect, it } from 'vitest';
import type { Kind } from '../../src/cluster/store.js';
import { ErrReasonBindConflict, ErrReasonNodeConflict, ErrReasonUnboundImmediate } from '../../src/engine/reasons.js';
import {
  AnnBindCompleted,
  type KubeObject,
  type Node,
  type NodeSelector,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type StorageClass,
} from '../../src/engine/types.js';
import { type ExplainNode, type ExplainReport, explainPod } from '../../src/explain.js';
import { defaultPolicy } from '../../src/policy/policy.js';
import { type Fixture, makeStore } from '../fixtures/builders.js';

const K = (kind: Kind, o: KubeObject): Fixture => [kind, structuredClone(o)] as const;

function sc(name: string, mode: string | null): StorageClass {
  const o: StorageClass = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'kubernetes.io/no-provisioner' };
  if (mode !== null) o.volumeBindingMode = mode;
  return o;
}

function node(name: string, labels: Record<string, string>): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } };
}

function pod(namespace: string, claims: string[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pod', namespace },
    spec: { volumes: claims.map((c, i) => ({ name: `vol${i}`, persistentVolumeClaim: { claimName: c } })) },
  };
}

function explainJSON(p: Pod, fixtures: Fixture[]): ExplainReport {
  const store = makeStore(K('Pod', p), ...fixtures);
  const { report } = explainPod(store, `${p.metadata!.namespace!}/pod`, defaultPolicy().scoring);
  return JSON.parse(JSON.stringify(report)) as ExplainReport;
}

type Outcome = Pick<ExplainNode, 'fits' | 'reasons' | 'staticBindings'>;
const only = (r: ExplainReport): Outcome => {
  expect(r.nodes).toHaveLength(1);
  const n = r.nodes[0]!;
  return { fits: n.fits, reasons: n.reasons, staticBindings: n.staticBindings };
};

// ---- TestDelayBindingMode -------------------------------------------------------------------

describe('pv_helpers_test TestDelayBindingMode', () => {
  const classes = [sc('no-mode', null), sc('immediate-mode', 'Immediate'), sc('wait-mode', 'WaitForFirstConsumer')];
  const claim = (className: string | null): PersistentVolumeClaim => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'claim', namespace: 'default', annotations: {} },
    spec: { storageClassName: className },
  });
  const run = (className: string | null): ExplainReport =>
    explainJSON(pod('default', ['claim']), [...classes.map((c) => K('StorageClass', c)), K('Node', node('node1', {})), K('PersistentVolumeClaim', claim(className))]);
  const immediate = { unschedulable: ErrReasonUnboundImmediate, node: { fits: false, reasons: [ErrReasonUnboundImmediate], staticBindings: [] } };

  it('pv_helpers_test TestDelayBindingMode: "nil-class" (not delayed → unbound immediate, repeated per node: documented)', () => {
    const r = run(null);
    expect({ unschedulable: r.unschedulable, node: only(r) }).toEqual(immediate);
  });
  it('pv_helpers_test TestDelayBindingMode: "class-not-found" (not delayed, no error)', () => {
    const r = run('not-here');
    expect(r.error).toBeUndefined();
    expect({ unschedulable: r.unschedulable, node: only(r) }).toEqual(immediate);
  });
  it('pv_helpers_test TestDelayBindingMode: "no-mode-class" (error)', () => {
    const r = run('no-mode');
    expect(r.unschedulable).toBeUndefined();
    expect(r.error).toBe('VolumeBindingMode not set for StorageClass "no-mode"');
    expect(only(r)).toEqual({ fits: false, reasons: [], staticBindings: [] });
  });
  it('pv_helpers_test TestDelayBindingMode: "immediate-mode-class"', () => {
    const r = run('immediate-mode');
    expect({ unschedulable: r.unschedulable, node: only(r) }).toEqual(immediate);
  });
  it('pv_helpers_test TestDelayBindingMode: "wait-mode-class" (delayed → evaluated per node)', () => {
    const r = run('wait-mode');
    expect(r.unschedulable).toBeUndefined();
    expect(r.error).toBeUndefined();
    expect(only(r)).toEqual({ fits: false, reasons: [ErrReasonBindConflict], staticBindings: [] });
  });
});

// ---- TestFindMatchVolumeWithNode ------------------------------------------------------------

describe('pv_helpers_test TestFindMatchVolumeWithNode', () => {
  /**
   * makeTestVolume(uid, name, …): upstream names two PVs "affinity003" and identifies PVs by uid;
   * a cluster cannot hold two PVs of one name, so here the upstream uid is the PV name.
   */
  function volume(name: string, capacity: string, available: boolean, mod: (pv: PersistentVolume) => void = () => undefined): PersistentVolume {
    const pv: PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, uid: name },
      spec: { capacity: { storage: capacity }, local: {}, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], volumeMode: 'Filesystem' },
    };
    if (available) pv.status = { phase: 'Available' };
    mod(pv);
    return pv;
  }
  const affinity = (key: string, value: string): { required: NodeSelector } => ({
    required: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator: 'In', values: [value] }] }] },
  });
  const wait = (value: string, extra: (pv: PersistentVolume) => void = () => undefined) => (pv: PersistentVolume): void => {
    pv.spec!.storageClassName = 'wait';
    pv.spec!.nodeAffinity = affinity('key1', value);
    extra(pv);
  };
  const volumes = [
    volume('local-small', '5G', true),
    volume('local-pd-very-large', '200E', true, (pv) => {
      pv.spec!.storageClassName = 'large';
    }),
    volume('affinity-pv', '100G', true, wait('value1')),
    volume('affinity-pv2', '150G', true, wait('value1')),
    volume('affinity-prebound', '100G', true, wait('value1', (pv) => (pv.spec!.claimRef = { name: 'claim02', namespace: 'myns' }))),
    volume('affinity-pv3', '200G', true, wait('value3')),
    volume('affinity-pv4', '200G', false, wait('value4')),
  ];
  const claim = (name: string, size: string, accessModes: string[]): PersistentVolumeClaim => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'myns' },
    spec: { accessModes, resources: { requests: { storage: size } }, storageClassName: 'wait', volumeMode: 'Filesystem' },
  });
  const nodes: Record<string, Node> = {
    node1: node('node1', { key1: 'value1' }),
    node2: node('node2', { key1: 'value2' }),
    node3: node('node3', { key1: 'value3' }),
    node4: node('node4', { key1: 'value4' }),
  };
  const RWO = ['ReadWriteOnce'];

  /**
   * excludedVolumes is how findMatchingVolumes keeps two claims of one pod off the same PV; here
   * the exclusion comes from earlier (equal-size, so volume-order) claims of the same pod.
   */
  interface Scenario {
    claims: PersistentVolumeClaim[];
    node: string;
    want: Outcome;
  }
  const match = (...pairs: [string, string][]): Outcome => ({ fits: true, reasons: [], staticBindings: pairs.map(([c, v]) => ({ claim: `myns/${c}`, volume: v })) });
  const noMatch: Outcome = { fits: false, reasons: [ErrReasonBindConflict], staticBindings: [] };
  const scenarios: Record<string, Scenario> = {
    'success-match': { claims: [claim('claim01', '100G', RWO)], node: 'node1', want: match(['claim01', 'affinity-pv']) },
    'success-prebound': { claims: [claim('claim02', '100G', RWO)], node: 'node1', want: match(['claim02', 'affinity-prebound']) },
    'success-exclusion (affinity-pv taken by an earlier claim)': {
      claims: [claim('claim00', '100G', RWO), claim('claim01', '100G', RWO)],
      node: 'node1',
      want: match(['claim00', 'affinity-pv'], ['claim01', 'affinity-pv2']),
    },
    'fail-exclusion (affinity-pv and affinity-pv2 taken by earlier claims)': {
      claims: [claim('claim00', '100G', RWO), claim('claim00b', '100G', RWO), claim('claim01', '100G', RWO)],
      node: 'node1',
      want: noMatch,
    },
    'fail-accessmode': { claims: [claim('claim01', '100G', ['ReadWriteMany'])], node: 'node1', want: noMatch },
    'fail-nodeaffinity': { claims: [claim('claim01', '100G', RWO)], node: 'node2', want: noMatch },
    'fail-prebound-node-affinity': { claims: [claim('claim02', '100G', RWO)], node: 'node3', want: noMatch },
    'fail-nonavaliable': { claims: [claim('claim04', '100G', RWO)], node: 'node4', want: noMatch },
    'success-bad-and-good-node-affinity': { claims: [claim('claim03', '100G', RWO)], node: 'node3', want: match(['claim03', 'affinity-pv3']) },
  };
  for (const [name, s] of Object.entries(scenarios)) {
    it(`pv_helpers_test TestFindMatchVolumeWithNode: "${name}"`, () => {
      const r = explainJSON(pod('myns', s.claims.map((c) => c.metadata!.name!)), [
        K('StorageClass', sc('wait', 'WaitForFirstConsumer')),
        K('Node', nodes[s.node]!),
        ...volumes.map((v) => K('PersistentVolume', v)),
        ...s.claims.map((c) => K('PersistentVolumeClaim', c)),
      ]);
      expect(only(r)).toEqual(s.want);
    });
  }
});

// ---- TestCheckVolumeNodeAffinity ------------------------------------------------------------

describe('helpers_test TestCheckVolumeNodeAffinity', () => {
  const nodeLabels = { 'test-key1': 'test-value1', 'test-key2': 'test-value2' };
  const In = (key: string, ...values: string[]): { key: string; operator: string; values: string[] } => ({ key, operator: 'In', values });
  const cases: { name: string; expectSuccess: boolean; affinity: { required?: NodeSelector | null } | null }[] = [
    { name: 'valid-nil', expectSuccess: true, affinity: null },
    { name: 'valid-no-constraints', expectSuccess: true, affinity: {} },
    { name: 'select-nothing', expectSuccess: false, affinity: { required: {} } },
    { name: 'select-nothing-empty-terms', expectSuccess: false, affinity: { required: { nodeSelectorTerms: [{ matchExpressions: [] }] } } },
    {
      name: 'valid-multiple-terms',
      expectSuccess: true,
      affinity: { required: { nodeSelectorTerms: [{ matchExpressions: [In('test-key3', 'test-value1', 'test-value3')] }, { matchExpressions: [In('test-key2', 'test-value0', 'test-value2')] }] } },
    },
    {
      name: 'valid-multiple-match-expressions',
      expectSuccess: true,
      affinity: { required: { nodeSelectorTerms: [{ matchExpressions: [In('test-key1', 'test-value1', 'test-value3'), In('test-key2', 'test-value0', 'test-value2')] }] } },
    },
    {
      name: 'invalid-multiple-match-expressions-key',
      expectSuccess: false,
      affinity: { required: { nodeSelectorTerms: [{ matchExpressions: [In('test-key1', 'test-value1', 'test-value3'), In('test-key3', 'test-value0', 'test-value2')] }] } },
    },
    {
      name: 'invalid-multiple-match-expressions-values',
      expectSuccess: false,
      affinity: { required: { nodeSelectorTerms: [{ matchExpressions: [In('test-key1', 'test-value3', 'test-value4'), In('test-key2', 'test-value0', 'test-value2')] }] } },
    },
    {
      name: 'invalid-multiple-terms',
      expectSuccess: false,
      affinity: { required: { nodeSelectorTerms: [{ matchExpressions: [In('test-key3', 'test-value1', 'test-value3')] }, { matchExpressions: [In('test-key2', 'test-value0', 'test-value1')] }] } },
    },
  ];
  for (const c of cases) {
    it(`helpers_test TestCheckVolumeNodeAffinity: "${c.name}" (as the affinity of a bound claim's PV)`, () => {
      const pv: PersistentVolume = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'test-constraints' }, spec: { nodeAffinity: c.affinity } };
      const pvc: PersistentVolumeClaim = {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'claim', namespace: 'default', annotations: { [AnnBindCompleted]: 'yes' } },
        spec: { volumeName: 'test-constraints' },
      };
      const r = explainJSON(pod('default', ['claim']), [K('Node', node('node', nodeLabels)), K('PersistentVolume', pv), K('PersistentVolumeClaim', pvc)]);
      expect(only(r)).toEqual(c.expectSuccess ? { fits: true, reasons: [], staticBindings: [] } : { fits: false, reasons: [ErrReasonNodeConflict], staticBindings: [] });
    });
  }
});
