/**
 * Bind in snapshot mode: recompute the plan for the chosen node, then apply in memory the writes
 * a live bind would make (PV claimRef, PVC selected-node, pod nodeName), so later pods see the
 * consumed volumes. Resource versions are bumped like an API server would.
 */
import type { ClusterStore } from '../cluster/store.js';
import { bindVolumeToClaim, withSelectedNode } from '../engine/bind-plan.js';
import { filterPod } from '../engine/filter.js';
import type { KubeObject } from '../engine/types.js';
import type { BindRequest, BindResult, Binder } from './binder.js';

export class SnapshotBinder implements Binder {
  #rv = 1_000_000;

  constructor(private readonly store: ClusterStore) {}

  #bump<T extends KubeObject>(obj: T): T {
    obj.metadata ??= {};
    obj.metadata.resourceVersion = String(++this.#rv);
    return obj;
  }

  bind(req: BindRequest): Promise<BindResult> {
    return Promise.resolve(this.#bind(req));
  }

  #bind(req: BindRequest): BindResult {
    const id = `${req.podNamespace}/${req.podName}`;
    const pod = this.store.pod(req.podNamespace, req.podName);
    if (!pod) return { outcome: 'rejected', error: `pod ${id} not found` };
    if (req.podUid && pod.metadata?.uid && pod.metadata.uid !== req.podUid) {
      return { outcome: 'rejected', error: `pod ${id} has uid ${pod.metadata.uid}, not ${req.podUid} (deleted and recreated?)` };
    }
    if (pod.spec?.nodeName) {
      return pod.spec.nodeName === req.node
        ? { outcome: 'already_bound', error: '' }
        : { outcome: 'rejected', error: `pod ${id} is already bound to node ${pod.spec.nodeName}` };
    }
    const node = this.store.node(req.node);
    if (!node) return { outcome: 'rejected', error: `node "${req.node}" not found` };

    const decision = filterPod(pod, [{ name: req.node, labels: node.metadata?.labels ?? {} }], this.store);
    if (decision.kind === 'error') return { outcome: 'error', error: decision.error };
    const result = decision.nodes[0]!;
    if (!result.fits) return { outcome: 'rejected', error: `binding volumes: node ${req.node} no longer fits: ${result.reasons.join(', ')}` };

    for (const b of result.staticBindings) {
      const { pv } = bindVolumeToClaim(b.pv.pv, b.claim.pvc);
      this.store.upsert('PersistentVolume', this.#bump(pv));
    }
    for (const p of result.provisions) {
      this.store.upsert('PersistentVolumeClaim', this.#bump(withSelectedNode(p.claim.pvc, req.node)));
    }
    const bound = structuredClone(pod);
    bound.spec ??= {};
    bound.spec.nodeName = req.node;
    this.store.upsert('Pod', this.#bump(bound));
    const hasVolumes = decision.kind === 'evaluated';
    return { outcome: hasVolumes ? 'bound' : 'no_volumes', error: '' };
  }
}
