/**
 * Which store changes wake a waiting bind (R10.3 checks): only its pod, node (and CSINode), the
 * claims it wrote and their PVs, including a provisioned PV once its claim names it.
 */
import { describe, expect, it } from 'vitest';
import { type BindingWrites, bindingDependencies, dependsOn } from '../../src/engine/check-bindings.js';
import type { PersistentVolumeClaim } from '../../src/engine/types.js';

const writes: BindingWrites = {
  podNamespace: 'ns',
  podName: 'web-0',
  node: 'node-a',
  bindings: [{ pv: 'local-1', claimNamespace: 'ns', claimName: 'data', writtenRV: '10' }],
  provisions: [{ claimNamespace: 'ns', claimName: 'scratch', writtenRV: '11' }],
};

function api(volumeName?: string): { apiPVC(ns: string, name: string): PersistentVolumeClaim | undefined } {
  return {
    apiPVC: (ns, name) => (ns === 'ns' && name === 'scratch' && volumeName ? { metadata: { name, namespace: ns }, spec: { volumeName } } : undefined),
  };
}

describe('bindingDependencies / dependsOn', () => {
  const deps = bindingDependencies(writes, api());
  it.each([
    { name: 'the pod', kind: 'Pod', key: 'ns/web-0', want: true },
    { name: 'another pod', kind: 'Pod', key: 'ns/web-1', want: false },
    { name: 'the node', kind: 'Node', key: 'node-a', want: true },
    { name: 'another node', kind: 'Node', key: 'node-b', want: false },
    { name: "the node's CSINode (migration)", kind: 'CSINode', key: 'node-a', want: true },
    { name: 'a statically bound claim', kind: 'PersistentVolumeClaim', key: 'ns/data', want: true },
    { name: 'a provisioned claim', kind: 'PersistentVolumeClaim', key: 'ns/scratch', want: true },
    { name: 'an unrelated claim', kind: 'PersistentVolumeClaim', key: 'ns/other', want: false },
    { name: 'the statically bound PV', kind: 'PersistentVolume', key: 'local-1', want: true },
    { name: 'an unrelated PV', kind: 'PersistentVolume', key: 'local-2', want: false },
    { name: 'a StorageClass', kind: 'StorageClass', key: 'fast', want: false },
    { name: 'a CSIStorageCapacity', kind: 'CSIStorageCapacity', key: 'ns/cap', want: false },
  ])('$name → $want', ({ kind, key, want }) => {
    expect(dependsOn(deps, kind, key)).toBe(want);
  });

  it('a provisioned claim adds its PV once it names one', () => {
    expect(dependsOn(bindingDependencies(writes, api()), 'PersistentVolume', 'pvc-123')).toBe(false);
    expect(dependsOn(bindingDependencies(writes, api('pvc-123')), 'PersistentVolume', 'pvc-123')).toBe(true);
  });
});
