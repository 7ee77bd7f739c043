/**
 * A small external provisioner for WaitForFirstConsumer tests (recipe §5), modelled on
 * sig-storage-lib-external-provisioner: it acts on claims of StorageClasses whose provisioner is
 * PROVISIONER once the PV controller has handed them over (storage-provisioner annotation) and
 * the scheduler (our extender) has set selected-node. Behaviour per StorageClass `parameters`:
 *   e2e/fail-on-nodes: "n1,n2"        provisioning on those nodes fails: selected-node is removed
 *                                     (the library's rescheduleProvisioning), so the pod reschedules;
 *   e2e/capacity-per-node: "10Gi"     nodes have that much for this class; a claim that does not
 *                                     fit also fails with reschedule;
 *   e2e/topology-key: "topology.kubernetes.io/zone"  the PV's nodeAffinity uses this node label
 *                                     (default kubernetes.io/hostname).
 * Released PVs it created are deleted (reclaim policy Delete).
 *
 * By default it serves PROVISIONER only; pass other names (e.g. CSI_PROVISIONER, which unlike
 * PROVISIONER is a valid CSIDriver name, for CSIStorageCapacity scenarios) to serve those instead.
 */
import type { CoreV1Api, StorageV1Api, V1PersistentVolume, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { parseQuantity } from '../../../src/engine/quantity.js';

export const PROVISIONER = 'e2e.vte.test/provisioner';
/** A provisioner name that is also a valid CSIDriver object name (no '/'). */
export const CSI_PROVISIONER = 'csi.e2e.vte.test';
const ANN_SELECTED = 'volume.kubernetes.io/selected-node';
const ANN_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';

export interface ProvisionerStats {
  provisioned: number;
  rescheduled: number;
  errors: string[];
}

export class TestProvisioner {
  readonly stats: ProvisionerStats = { provisioned: 0, rescheduled: 0, errors: [] };
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(
    private readonly core: CoreV1Api,
    private readonly storage: StorageV1Api,
    private readonly intervalMs = 250,
    private readonly provisioners: readonly string[] = [PROVISIONER],
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      if (this.#busy) return;
      this.#busy = true;
      this.pass()
        .catch((e: unknown) => {
          this.stats.errors.push(e instanceof Error ? e.message : String(e));
        })
        .finally(() => {
          this.#busy = false;
        });
    }, this.intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async pass(): Promise<void> {
    const classes = new Map((await this.storage.listStorageClass()).items.filter((c) => this.provisioners.includes(c.provisioner)).map((c) => [c.metadata?.name ?? '', c]));
    if (classes.size === 0) return;
    const pvs = (await this.core.listPersistentVolume()).items;
    const claims = (await this.core.listPersistentVolumeClaimForAllNamespaces()).items;
    for (const pv of pvs) {
      if (this.provisioners.includes(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] ?? '') && pv.status?.phase === 'Released') {
        await this.core.deletePersistentVolume({ name: pv.metadata?.name ?? '' }).catch(() => undefined);
      }
    }
    for (const pvc of claims) {
      const cls = classes.get(pvc.spec?.storageClassName ?? '');
      const ann = pvc.metadata?.annotations ?? {};
      if (!cls || pvc.spec?.volumeName || ann[ANN_PROVISIONER] !== cls.provisioner) continue;
      const node = ann[ANN_SELECTED];
      if (!node) continue;
      const params = cls.parameters ?? {};
      const failOn = (params['e2e/fail-on-nodes'] ?? '').split(',').filter(Boolean);
      const request = parseQuantity(pvc.spec?.resources?.requests?.storage ?? '0') ?? 0;
      let fail = failOn.includes(node);
      const cap = params['e2e/capacity-per-node'];
      if (!fail && cap) {
        const used = pvs
          .filter((v) => v.spec?.storageClassName === cls.metadata?.name && v.metadata?.annotations?.['e2e/node'] === node)
          .reduce((sum, v) => sum + (parseQuantity(v.spec?.capacity?.storage ?? '0') ?? 0), 0);
        fail = used + request > (parseQuantity(cap) ?? 0);
      }
      if (fail) await this.#reschedule(pvc);
      else await this.#provision(pvc, node, params['e2e/topology-key'] ?? 'kubernetes.io/hostname', cls.reclaimPolicy ?? 'Delete', cls.provisioner);
    }
  }

  async #reschedule(pvc: V1PersistentVolumeClaim): Promise<void> {
    const { [ANN_SELECTED]: _dropped, ...ann } = pvc.metadata?.annotations ?? {};
    const meta = pvc.metadata ?? {};
    meta.annotations = ann;
    pvc.metadata = meta;
    try {
      await this.core.replaceNamespacedPersistentVolumeClaim({ name: meta.name ?? '', namespace: meta.namespace ?? '', body: pvc });
      this.stats.rescheduled++;
    } catch {
      // 409: retry on the next pass with a fresh copy.
    }
  }

  async #provision(pvc: V1PersistentVolumeClaim, node: string, topologyKey: string, reclaim: string, provisioner = PROVISIONER): Promise<void> {
    const nodeObj = await this.core.readNode({ name: node }).catch(() => undefined);
    if (!nodeObj) {
      await this.#reschedule(pvc); // the library clears selected-node when the node is gone
      return;
    }
    const value = nodeObj.metadata?.labels?.[topologyKey] ?? node;
    const name = `pvc-${pvc.metadata?.uid ?? ''}`;
    const pv: V1PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': provisioner, 'e2e/node': node } },
      spec: {
        capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
        accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
        volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
        storageClassName: pvc.spec?.storageClassName ?? '',
        persistentVolumeReclaimPolicy: reclaim,
        claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata?.namespace ?? '', name: pvc.metadata?.name ?? '', uid: pvc.metadata?.uid ?? '' },
        local: { path: `/e2e/${name}` },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: topologyKey, operator: 'In', values: [value] }] }] } },
      },
    };
    try {
      await this.core.createPersistentVolume({ body: pv });
      this.stats.provisioned++;
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code !== 409) this.stats.errors.push(`provision ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
