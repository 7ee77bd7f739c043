/**
 * The subset of Kubernetes objects the engine reads, as plain JSON shapes.
 * Everything is optional because snapshot files and informers hand us whatever the API server
 * serialised; the engine applies API defaults itself (e.g. nil volumeMode = Filesystem).
 */

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  deletionTimestamp?: string | null;
  creationTimestamp?: string | null;
  ownerReferences?: OwnerReference[] | null;
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean | null;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[] | null;
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[] | null;
  matchFields?: NodeSelectorRequirement[] | null;
}

export interface NodeSelector {
  nodeSelectorTerms?: NodeSelectorTerm[] | null;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[] | null;
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: LabelSelectorRequirement[] | null;
}

export interface TopologySelectorLabelRequirement {
  key: string;
  values?: string[] | null;
}

export interface TopologySelectorTerm {
  matchLabelExpressions?: TopologySelectorLabelRequirement[] | null;
}

export type Quantity = string | number;

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: unknown[] | null; [key: string]: unknown };
  status?: Record<string, unknown>;
}

export interface ObjectReference {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface PersistentVolume extends KubeObject {
  spec?: {
    capacity?: Record<string, Quantity> | null;
    accessModes?: string[] | null;
    claimRef?: ObjectReference | null;
    storageClassName?: string | null;
    volumeMode?: string | null;
    volumeAttributesClassName?: string | null;
    nodeAffinity?: { required?: NodeSelector | null } | null;
    persistentVolumeReclaimPolicy?: string;
    [key: string]: unknown;
  };
  status?: { phase?: string; [key: string]: unknown };
}

export interface PersistentVolumeClaim extends KubeObject {
  spec?: {
    accessModes?: string[] | null;
    selector?: LabelSelector | null;
    resources?: { requests?: Record<string, Quantity> | null; limits?: Record<string, Quantity> | null } | null;
    volumeName?: string | null;
    storageClassName?: string | null;
    volumeMode?: string | null;
    volumeAttributesClassName?: string | null;
    [key: string]: unknown;
  };
  status?: { phase?: string; [key: string]: unknown };
}

export interface StorageClass extends KubeObject {
  provisioner?: string;
  volumeBindingMode?: string | null;
  allowedTopologies?: TopologySelectorTerm[] | null;
  parameters?: Record<string, string> | null;
  reclaimPolicy?: string;
}

export interface CSIDriver extends KubeObject {
  spec?: { storageCapacity?: boolean | null; [key: string]: unknown };
}

export interface CSIStorageCapacity extends KubeObject {
  storageClassName?: string;
  nodeTopology?: LabelSelector | null;
  capacity?: Quantity | null;
  maximumVolumeSize?: Quantity | null;
}

export interface CSINode extends KubeObject {
  spec?: Record<string, unknown>;
}

export interface PodVolume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean } | null;
  ephemeral?: { volumeClaimTemplate?: unknown } | null;
  [key: string]: unknown;
}

export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    volumes?: PodVolume[] | null;
    [key: string]: unknown;
  };
  status?: Record<string, unknown>;
}

/** Annotation and label keys (R1.1). */
export const AnnSelectedNode = 'volume.kubernetes.io/selected-node';
export const AnnBindCompleted = 'pv.kubernetes.io/bind-completed';
export const AnnBoundByController = 'pv.kubernetes.io/bound-by-controller';
export const AnnStorageProvisioner = 'volume.kubernetes.io/storage-provisioner';
export const AnnBetaStorageProvisioner = 'volume.beta.kubernetes.io/storage-provisioner';
export const BetaStorageClassAnnotation = 'volume.beta.kubernetes.io/storage-class';
export const NotSupportedProvisioner = 'kubernetes.io/no-provisioner';
export const LabelHostname = 'kubernetes.io/hostname';

export function nsName(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}
