/**
 * PooledAuthentication: client-node's per-request authentication still runs on every request
 * (headers, token reloads), but requests share one connection-pooling agent, renewed on a timer.
 */
import { HttpMethod, RequestContext } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { PooledAuthentication, type RequestAuthenticator } from '../../src/live/api.js';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/** Like KubeConfig.applySecurityAuthentication in client-node 2.0.1: a new agent per request. */
function fakeAuth(): RequestAuthenticator & { agents: { closed: boolean }[]; calls: number } {
  const agents: { closed: boolean }[] = [];
  const me = {
    agents,
    calls: 0,
    applySecurityAuthentication(ctx: RequestContext): Promise<void> {
      me.calls++;
      ctx.setHeaderParam('Authorization', `Bearer token-${me.calls}`);
      const agent = {
        closed: false,
        close(): Promise<void> {
          agent.closed = true;
          return Promise.resolve();
        },
      };
      agents.push(agent);
      ctx.setDispatcher(agent as unknown as Dispatcher);
      return Promise.resolve();
    },
  };
  return me;
}

const ctx = (): RequestContext => new RequestContext('https://127.0.0.1:6443/api/v1/pods', HttpMethod.GET);

describe('PooledAuthentication', () => {
  it('reuses the first agent for later requests and still authenticates each one', async () => {
    const auth = fakeAuth();
    const pooled = new PooledAuthentication(auth, 60_000, () => 0);
    const a = ctx();
    const b = ctx();
    await pooled.applySecurityAuthentication(a);
    await pooled.applySecurityAuthentication(b);
    expect(auth.calls).toBe(2);
    expect(b.getDispatcher()).toBe(a.getDispatcher());
    expect(a.getDispatcher()).toBe(auth.agents[0]);
    expect(b.getHeaders().Authorization).toBe('Bearer token-2');
  });

  it('replaces the agent after renewMs and closes the old one', async () => {
    let now = 0;
    const auth = fakeAuth();
    const pooled = new PooledAuthentication(auth, 1000, () => now);
    const first = ctx();
    await pooled.applySecurityAuthentication(first);
    now = 999;
    const stillFirst = ctx();
    await pooled.applySecurityAuthentication(stillFirst);
    expect(stillFirst.getDispatcher()).toBe(first.getDispatcher());
    now = 1000;
    const renewed = ctx();
    await pooled.applySecurityAuthentication(renewed);
    expect(renewed.getDispatcher()).not.toBe(first.getDispatcher());
    expect(renewed.getDispatcher()).toBe(auth.agents[2]);
    await Promise.resolve();
    expect(auth.agents[0]!.closed).toBe(true);
    expect(auth.agents[2]!.closed).toBe(false);
  });

  it('leaves requests without an agent alone', async () => {
    const pooled = new PooledAuthentication({ applySecurityAuthentication: () => Promise.resolve() });
    const c = ctx();
    await pooled.applySecurityAuthentication(c);
    expect(c.getDispatcher()).toBeUndefined();
  });
});
