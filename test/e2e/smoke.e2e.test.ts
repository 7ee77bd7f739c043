import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from './harness/controlplane.js';
import { claim, localPV, pod, Scenario, storageClass } from './harness/kube.js';

describe('smoke: real kube-scheduler calls the extender', () => {
  let cp: ControlPlane | undefined;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('WaitForFirstConsumer claim with a matching local PV: pod lands on the PV node, PV bound', async () => {
    const s = new Scenario('smoke', cp!.core, cp!.storage);
    await s.setup([{ name: 'smoke-n1' }, { name: 'smoke-n2' }]);
    await s.sc(storageClass('smoke-local', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'));
    await s.pv(localPV('smoke-pv', 'smoke-local', '10Gi', { key: 'kubernetes.io/hostname', values: ['smoke-n2'] }));
    await s.pvc(claim(s.ns, 'data', 'smoke-local', '5Gi'));
    await s.pod(pod(s.ns, 'web', 'smoke', ['data']));

    expect(await s.scheduled('web')).toBe('smoke-n2');
    expect(await s.bound('data')).toBe('smoke-pv');
  });
});
