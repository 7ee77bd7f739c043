import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { harness, NAMES, namesArgs, PODS } from './fixtures.js';
import { Readiness } from '../../src/http/readiness.js';

describe('probes and metrics', () => {
  it('/healthz → 200 ok', async () => {
    const h = harness();
    const res = await request(h.app).get('/healthz').expect(200);
    expect(res.text).toBe('ok');
  });

  it.each([
    { name: 'ready', state: { ready: true }, status: 200, text: 'ok' },
    { name: 'not ready', state: { ready: false, reason: 'informers not synced' }, status: 503, text: 'not ready: informers not synced' },
  ])('/readyz $name', async ({ state, status, text }) => {
    const h = harness({ ready: () => state });
    const res = await request(h.app).get('/readyz').expect(status);
    expect(res.text).toBe(text);
  });

  it('Readiness reports the first failing condition', () => {
    const r = new Readiness();
    expect(r.state()).toEqual({ ready: true });
    r.set('informers', false, 'informers not synced');
    r.set('shutdown', false, 'shutting down');
    expect(r.state()).toEqual({ ready: false, reason: 'informers not synced' });
    r.set('informers', true);
    expect(r.state()).toEqual({ ready: false, reason: 'shutting down' });
  });

  it('/metrics exposes the request histogram after a call', async () => {
    const h = harness();
    await h.post('filter', namesArgs(PODS.web)).expect(200);
    const res = await request(h.app).get('/metrics').expect(200).expect('Content-Type', /text\/plain/);
    expect(res.text).toContain('# TYPE vte_extender_request_duration_seconds histogram');
    expect(res.text).toContain('vte_extender_request_duration_seconds_bucket{le="600",verb="filter",outcome="ok"} 1');
    expect(res.text).toContain('vte_filter_node_decisions_total{result="fit",reason="none"} 2');
    expect(res.text).toContain('vte_filter_node_decisions_total{result="unfit",reason="bind_conflict"} 1');
    expect(res.text).toContain('vte_http_bad_requests_total{verb="filter"} 0');
  });

  it('probes and /metrics are not access-logged; verbs are, at debug', async () => {
    const h = harness();
    await request(h.app).get('/healthz').expect(200);
    await request(h.app).get('/readyz').expect(200);
    await request(h.app).get('/metrics').expect(200);
    expect(h.logs).toEqual([]);
    await h.post('filter', namesArgs(PODS.plain)).expect(200);
    expect(h.logs.some((l) => l.msg === 'request completed' && l.level === 20)).toBe(true);
  });

  it('createMetrics collects default process metrics on its own registry', async () => {
    const { createMetrics } = await import('../../src/http/metrics.js');
    const m = createMetrics();
    expect(await m.registry.metrics()).toContain('process_cpu_user_seconds_total');
  });
});

describe('verbs while the cluster cache is not ready', () => {
  const notReady = () => ({ ready: false, reason: 'informers have not listed PersistentVolume yet' });

  it('filter answers a scheduling Error (retried by kube-scheduler), never a decision from an empty cache', async () => {
    const h = harness({ ready: notReady });
    const res = await h.post('filter', namesArgs(PODS.web)).expect(200);
    expect(res.body).toEqual({
      Nodes: null,
      NodeNames: null,
      FailedNodes: null,
      FailedAndUnresolvableNodes: null,
      Error: 'volume-topology-extender is not ready: informers have not listed PersistentVolume yet',
    });
  });

  it('bind answers Error and does not bind', async () => {
    const h = harness({ ready: notReady });
    const res = await h.post('bind', { PodName: 'web', PodNamespace: 'shop', PodUID: 'uid-web', Node: 'node-a' }).expect(200);
    expect(res.body.Error).toMatch(/^volume-topology-extender is not ready/);
    expect(h.store.pod('shop', 'web')?.spec?.nodeName).toBeUndefined();
  });

  it('prioritize answers neutral scores for every offered node', async () => {
    const h = harness({ ready: notReady });
    const res = await h.post('prioritize', namesArgs(PODS.web)).expect(200);
    expect(res.body).toEqual(NAMES.map((n) => ({ Host: n, Score: 0 })));
  });

  it('preempt answers 503 with the reason', async () => {
    const h = harness({ ready: notReady });
    const res = await h.post('preempt', { Pod: PODS.web, NodeNameToMetaVictims: {} }).expect(503);
    expect(res.body.Error).toMatch(/not ready/);
  });
});
