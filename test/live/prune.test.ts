import { describe, expect, it } from 'vitest';
import { KINDS } from '../../src/cluster/store.js';
import type { KubeObject, Node, Pod } from '../../src/engine/types.js';
import { LAST_APPLIED_ANNOTATION, pruneNode, pruneObject, prunePod, stripManagedFields } from '../../src/live/informer-prune.js';
import { objects } from './helpers.js';

const fullPod = (): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-0',
      namespace: 'shop',
      uid: 'u1',
      resourceVersion: '42',
      generateName: 'web-',
      creationTimestamp: '2024-01-01T00:00:00Z',
      deletionTimestamp: '2024-01-02T00:00:00Z',
      labels: { app: 'web' },
      annotations: { keep: 'me', [LAST_APPLIED_ANNOTATION]: '{"huge":true}' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts', controller: true }],
      managedFields: [{ manager: 'kube-controller-manager' }],
      finalizers: ['x'],
    },
    spec: {
      nodeName: 'n1',
      schedulerName: 'my-scheduler',
      volumes: [
        { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } },
        { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'fast' } } } },
      ],
      containers: [{ name: 'c', image: 'nginx', env: [{ name: 'A', value: 'B' }] }],
      initContainers: [{ name: 'i' }],
      affinity: { nodeAffinity: {} },
      tolerations: [],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready' }], containerStatuses: [{ name: 'c' }], podIP: '10.0.0.1' },
  });

describe('prunePod', () => {
  it('keeps exactly the fields the engine reads', () => {
    expect(prunePod(fullPod())).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-0',
        namespace: 'shop',
        uid: 'u1',
        resourceVersion: '42',
        deletionTimestamp: '2024-01-02T00:00:00Z',
        labels: { app: 'web' },
        annotations: { keep: 'me' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts', controller: true }],
      },
      spec: {
        nodeName: 'n1',
        schedulerName: 'my-scheduler',
        volumes: [
          { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } },
          { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'fast' } } } },
        ],
      },
      status: { phase: 'Running' },
    });
  });

  it('does not mutate its input and adds no keys that were absent', () => {
    const input = fullPod();
    const before = structuredClone(input);
    prunePod(input);
    expect(input).toEqual(before);
    expect(prunePod({ metadata: { name: 'a' } })).toEqual({ metadata: { name: 'a' } });
    const bare = prunePod({ metadata: { name: 'a' }, spec: {}, status: {} });
    expect(bare).toEqual({ metadata: { name: 'a' }, spec: {} });
    expect(Object.hasOwn(bare.spec!, 'nodeName')).toBe(false);
  });

  it('keeps null annotations and a pending pod without nodeName', () => {
    const p = prunePod({ metadata: { name: 'a', annotations: null }, spec: { volumes: null } });
    expect(p).toEqual({ metadata: { name: 'a', annotations: null }, spec: { volumes: null } });
  });
});

describe('pruneNode', () => {
  it('keeps identity, labels and spec.unschedulable; drops status (images), annotations, taints', () => {
    const n = objects.node('n1', { zone: 'z1' }) as unknown as Node;
    n.metadata!.resourceVersion = '7';
    n.spec!.unschedulable = true;
    expect(pruneNode(n)).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', uid: 'uid--n1', resourceVersion: '7', labels: { 'kubernetes.io/hostname': 'n1', zone: 'z1' } },
      spec: { unschedulable: true },
    });
  });

  it('omits spec when unschedulable is unset', () => {
    expect(pruneNode({ metadata: { name: 'n' }, spec: { taints: [] }, status: { images: [] } })).toEqual({ metadata: { name: 'n' } });
  });
});

describe('stripManagedFields', () => {
  it('removes metadata.managedFields without touching the rest or the input', () => {
    const pv = objects.pv('pv1') as unknown as KubeObject;
    const out = stripManagedFields(pv);
    expect(out.metadata).not.toHaveProperty('managedFields');
    expect(pv.metadata).toHaveProperty('managedFields');
    expect(out).toEqual({ ...pv, metadata: { name: 'pv1', uid: 'uid--pv1' } });
  });

  it('returns the same object when there is nothing to strip', () => {
    const o = { metadata: { name: 'x' } };
    expect(stripManagedFields(o)).toBe(o);
    const noMeta = { kind: 'X' };
    expect(stripManagedFields(noMeta)).toBe(noMeta);
  });
});

describe('pruneObject', () => {
  it('never lets managedFields through, for every kind', () => {
    for (const kind of KINDS) {
      const out = pruneObject(kind, { metadata: { name: 'x', namespace: 'ns', managedFields: [{}] } });
      expect(out.metadata, kind).not.toHaveProperty('managedFields');
    }
  });

  it('fills apiVersion/kind (list items come without them) and keeps PV/PVC annotations intact', () => {
    const pvc = pruneObject('PersistentVolumeClaim', {
      metadata: { name: 'c', namespace: 'ns', annotations: { [LAST_APPLIED_ANNOTATION]: '{}', 'volume.kubernetes.io/selected-node': 'n1' } },
    });
    expect(pvc.apiVersion).toBe('v1');
    expect(pvc.kind).toBe('PersistentVolumeClaim');
    // A binder may PUT this copy back; dropping an annotation here would delete it server-side.
    expect(pvc.metadata?.annotations).toEqual({ [LAST_APPLIED_ANNOTATION]: '{}', 'volume.kubernetes.io/selected-node': 'n1' });
    expect(pruneObject('CSIStorageCapacity', { metadata: { name: 'c' } })).toMatchObject({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIStorageCapacity' });
    const pod: Pod = { metadata: { name: 'p' }, spec: { containers: [] } };
    expect(pruneObject('Pod', pod)).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} });
  });
});
