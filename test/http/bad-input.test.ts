import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { harness, NAMES, namesArgs, PODS } from './fixtures.js';

const bind = { PodName: 'web', PodNamespace: 'shop', PodUID: 'uid-web', Node: 'node-a' };

describe('bad input → 400 with {"Error": ...} naming the problem', () => {
  it.each([
    { name: 'filter: missing Pod', verb: 'filter', body: { NodeNames: NAMES }, want: 'filter: Pod: required' },
    { name: 'filter: Pod null', verb: 'filter', body: { Pod: null, NodeNames: NAMES }, want: 'filter: Pod: expected object, got null' },
    { name: 'filter: Pod.metadata missing', verb: 'filter', body: { Pod: { spec: {} }, NodeNames: NAMES }, want: 'filter: Pod.metadata: required' },
    { name: 'filter: NodeNames a string', verb: 'filter', body: { Pod: PODS.web, NodeNames: 'node-a' }, want: 'filter: NodeNames: expected array of strings' },
    { name: 'filter: NodeNames with a number', verb: 'filter', body: { Pod: PODS.web, NodeNames: ['node-a', 7] }, want: 'filter: NodeNames: expected array of strings' },
    {
      name: 'filter: Node item without a name',
      verb: 'filter',
      body: { Pod: PODS.web, Nodes: { items: [{ metadata: { labels: {} } }] } },
      want: 'filter: Nodes.items[0].metadata.name: required',
    },
    {
      name: 'filter: volume claimName not a string',
      verb: 'filter',
      body: { Pod: { metadata: { name: 'p' }, spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 3 } }] } }, NodeNames: NAMES },
      want: 'filter: Pod.spec.volumes[0].persistentVolumeClaim.claimName: expected string, got number',
    },
    { name: 'filter: body is an array', verb: 'filter', body: [], want: 'filter: request body must be a JSON object, got array' },
    { name: 'prioritize: missing Pod', verb: 'prioritize', body: { nodenames: NAMES }, want: 'prioritize: Pod: required' },
    { name: 'bind: missing Node', verb: 'bind', body: { ...bind, Node: undefined }, want: 'bind: Node: required' },
    { name: 'bind: empty PodUID', verb: 'bind', body: { ...bind, PodUID: '' }, want: 'bind: PodUID: must be a non-empty string' },
    { name: 'bind: PodName a number', verb: 'bind', body: { ...bind, PodName: 5 }, want: 'bind: PodName: expected string, got number' },
    {
      name: 'bind: several problems are listed',
      verb: 'bind',
      body: {},
      want: 'bind: PodName: required; PodNamespace: required; PodUID: required (and 1 more)',
    },
    { name: 'preempt: missing Pod', verb: 'preempt', body: { NodeNameToMetaVictims: {} }, want: 'preempt: Pod: required' },
    {
      name: 'preempt: meta victim without UID',
      verb: 'preempt',
      body: { Pod: PODS.web, NodeNameToMetaVictims: { 'node-a': { Pods: [{}] } } },
      want: 'preempt: NodeNameToMetaVictims["node-a"].Pods[0].UID: required',
    },
  ])('$name', async ({ verb, body, want }) => {
    const h = harness();
    const res = await h.post(verb, body).expect(400).expect('Content-Type', /application\/json/);
    expect(res.body).toEqual({ Error: want });
  });

  it.each(['filter', 'prioritize', 'bind', 'preempt'])('%s: malformed JSON', async (verb) => {
    const h = harness();
    const res = await request(h.app).post(`/scheduler/${verb}`).set('Content-Type', 'application/json').send('{"Pod": ').expect(400);
    expect(res.body.Error).toMatch(new RegExp(`^${verb}: malformed JSON body: `));
  });

  it.each([
    { name: 'text/plain', type: 'text/plain' },
    { name: 'no content type', type: undefined },
  ])('content type $name → 400 saying what to send', async ({ type }) => {
    const h = harness();
    const r = request(h.app).post('/scheduler/filter');
    if (type) r.set('Content-Type', type);
    const res = await r.send(Buffer.from(JSON.stringify(namesArgs(PODS.web)))).expect(400);
    expect(res.body).toEqual({ Error: 'filter: missing request body: send a JSON object with Content-Type: application/json' });
  });

  it('a body over the configured limit → 413 saying so', async () => {
    const h = harness({ bodyLimit: '1kb' });
    const res = await h.post('filter', namesArgs(PODS.web, Array.from({ length: 200 }, (_, i) => `node-${i}`))).expect(413);
    expect(res.body.Error).toMatch(/^filter: request body of \d+ bytes is larger than the configured limit of 1kb \(1024 bytes\)$/);
  });

  it('a body just under the limit is accepted', async () => {
    const body = JSON.stringify(namesArgs(PODS.plain, ['node-a']));
    const h = harness({ bodyLimit: body.length });
    await request(h.app).post('/scheduler/filter').set('Content-Type', 'application/json').send(body).expect(200);
  });

  it('counts bad requests per verb and records them in the histogram', async () => {
    const h = harness();
    await h.post('filter', {}).expect(400);
    await h.post('bind', {}).expect(400);
    await h.post('bind', {}).expect(400);
    const bad = await h.metrics.badRequests.get();
    expect(Object.fromEntries(bad.values.map((v) => [v.labels.verb, v.value]))).toEqual({ filter: 1, prioritize: 0, bind: 2, preempt: 0 });
    const text = await h.metrics.registry.metrics();
    expect(text).toContain('vte_extender_request_duration_seconds_count{verb="bind",outcome="bad_request"} 2');
  });
});

describe('routing and unexpected failures', () => {
  it('unknown route → 404 JSON', async () => {
    const h = harness();
    const res = await request(h.app).post('/scheduler/nope').send({}).expect(404).expect('Content-Type', /application\/json/);
    expect(res.body).toEqual({ Error: 'no route for POST /scheduler/nope' });
  });

  it('GET on a verb → 405 JSON with Allow: POST', async () => {
    const h = harness();
    const res = await request(h.app).get('/scheduler/filter').expect(405).expect('Allow', 'POST');
    expect(res.body).toEqual({ Error: 'filter: method GET not allowed; use POST' });
  });

  it('a custom prefix moves the verbs', async () => {
    const h = harness({ prefix: '/ext/v1/' });
    await request(h.app).post('/ext/v1/filter').send(namesArgs(PODS.plain)).expect(200);
    await request(h.app).post('/scheduler/filter').send(namesArgs(PODS.plain)).expect(404);
  });

  it('an unexpected exception → deliberate 500 JSON and an error log, and the app keeps serving', async () => {
    const h = harness();
    const orig = h.store.pvc.bind(h.store);
    let explode = true;
    h.store.pvc = (ns, name) => {
      if (explode) throw new TypeError('store corrupted');
      return orig(ns, name);
    };
    const res = await h.post('filter', namesArgs(PODS.web)).expect(500).expect('Content-Type', /application\/json/);
    expect(res.body).toEqual({ Error: 'filter: internal error: store corrupted' });
    expect(h.logs.some((l) => l.level === 50 && l.msg === 'unhandled error')).toBe(true);
    const text = await h.metrics.registry.metrics();
    expect(text).toContain('vte_extender_request_duration_seconds_count{verb="filter",outcome="internal_error"} 1');
    explode = false;
    await h.post('filter', namesArgs(PODS.web)).expect(200);
  });

  it('never answers with an X-Powered-By header', async () => {
    const h = harness();
    const res = await h.post('filter', namesArgs(PODS.plain)).expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
