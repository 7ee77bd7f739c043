/**
 * The only code that writes to the API server. A narrow interface (KubeWriter) so the binder is
 * tested with fakes; `ClientKubeWriter` implements it with @kubernetes/client-node.
 */
import {
  ApiException,
  CoreV1Api,
  createConfiguration,
  type KubeConfig,
  type RequestContext,
  type SecurityAuthentication,
  ServerConfiguration,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
} from '@kubernetes/client-node';
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '../engine/types.js';

/** An API failure with its HTTP status (0 for transport errors). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: number,
    message: string,
    readonly reason = '',
  ) {
    super(message);
  }
}

export interface EventSpec {
  readonly namespace: string;
  readonly involved: { kind: string; name: string; namespace: string; uid: string };
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface KubeWriter {
  /** Fresh read (not the cache); undefined when the pod does not exist. */
  getPod(namespace: string, name: string): Promise<Pod | undefined>;
  /** PUT carrying metadata.resourceVersion: a concurrent change yields ApiError 409. */
  replacePV(pv: PersistentVolume): Promise<PersistentVolume>;
  replacePVC(pvc: PersistentVolumeClaim): Promise<PersistentVolumeClaim>;
  /** POST pods/binding with the pod UID as precondition. */
  bindPod(namespace: string, name: string, uid: string, node: string): Promise<void>;
  createEvent(ev: EventSpec): Promise<void>;
}

function statusMessage(body: unknown): { message: string; reason: string } {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return { message: body.slice(0, 300), reason: '' };
    }
  }
  if (body && typeof body === 'object') {
    const b = body as { message?: unknown; reason?: unknown };
    return { message: typeof b.message === 'string' ? b.message : '', reason: typeof b.reason === 'string' ? b.reason : '' };
  }
  return { message: '', reason: '' };
}

/** Normalises client-node errors (ApiException, fetch failures) into ApiError. */
export function toApiError(e: unknown, what: string): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof ApiException) {
    const { message, reason } = statusMessage(e.body);
    return new ApiError(e.code, `${what}: HTTP ${e.code}${reason ? ` ${reason}` : ''}${message ? `: ${message}` : ''}`, reason);
  }
  return new ApiError(0, `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/** What PooledAuthentication needs of a KubeConfig (a seam for tests). */
export interface RequestAuthenticator {
  applySecurityAuthentication(context: RequestContext): Promise<void>;
}

/**
 * client-node 2.0.1's KubeConfig.applySecurityAuthentication builds a new undici Agent for every
 * request, so every write (PV, PVC, binding, Event) opened and TLS-handshook a connection of its
 * own: about 12% of the extender's CPU in the scheduler benchmark. This keeps that per-request
 * authentication (bearer tokens are re-read, so rotated service-account tokens still apply) but
 * sends the requests through the first agent it made, which pools keep-alive connections. The
 * agent is replaced every `renewMs`, so rotated client certificates or CA bundles are picked up.
 */
export class PooledAuthentication implements SecurityAuthentication {
  #agent: Dispatcher | undefined;
  #since = 0;

  constructor(
    private readonly auth: RequestAuthenticator,
    private readonly renewMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  getName(): string {
    return 'default';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.auth.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    // No agent (plain http, no TLS options): nothing to pool.
    if (fresh === undefined) return;
    const t = this.now();
    if (this.#agent === undefined || t - this.#since >= this.renewMs) {
      const old = this.#agent;
      this.#agent = fresh;
      this.#since = t;
      // Let in-flight requests on the old agent finish, then close its connections.
      void old?.close().catch(() => undefined);
      return;
    }
    context.setDispatcher(this.#agent);
  }
}

/** A CoreV1Api like kc.makeApiClient(CoreV1Api), but with pooled connections (PooledAuthentication). */
export function pooledCoreApi(kc: KubeConfig): CoreV1Api {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  return new CoreV1Api(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: {
        default: new PooledAuthentication({
          applySecurityAuthentication: async (ctx) => {
            ctx.setHeaderParam('User-Agent', 'volume-topology-extender');
            await kc.applySecurityAuthentication(ctx);
          },
        }),
      },
    }),
  );
}

export class ClientKubeWriter implements KubeWriter {
  readonly #core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.#core = pooledCoreApi(kc);
  }

  async getPod(namespace: string, name: string): Promise<Pod | undefined> {
    try {
      return (await this.#core.readNamespacedPod({ namespace, name })) as unknown as Pod;
    } catch (e) {
      const err = toApiError(e, `get pod ${namespace}/${name}`);
      if (err.code === 404) return undefined;
      throw err;
    }
  }

  async replacePV(pv: PersistentVolume): Promise<PersistentVolume> {
    const name = pv.metadata?.name ?? '';
    try {
      return (await this.#core.replacePersistentVolume({ name, body: pv as unknown as V1PersistentVolume })) as unknown as PersistentVolume;
    } catch (e) {
      throw toApiError(e, `update PersistentVolume ${name}`);
    }
  }

  async replacePVC(pvc: PersistentVolumeClaim): Promise<PersistentVolumeClaim> {
    const name = pvc.metadata?.name ?? '';
    const namespace = pvc.metadata?.namespace ?? 'default';
    try {
      return (await this.#core.replaceNamespacedPersistentVolumeClaim({ name, namespace, body: pvc as unknown as V1PersistentVolumeClaim })) as unknown as PersistentVolumeClaim;
    } catch (e) {
      throw toApiError(e, `update PersistentVolumeClaim ${namespace}/${name}`);
    }
  }

  async bindPod(namespace: string, name: string, uid: string, node: string): Promise<void> {
    try {
      await this.#core.createNamespacedPodBinding({
        namespace,
        name,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, uid },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        },
      });
    } catch (e) {
      throw toApiError(e, `bind pod ${namespace}/${name} to node ${node}`);
    }
  }

  async createEvent(ev: EventSpec): Promise<void> {
    const now = new Date();
    try {
      await this.#core.createNamespacedEvent({
        namespace: ev.namespace,
        body: {
          metadata: { generateName: `${ev.involved.name}.`, namespace: ev.namespace },
          involvedObject: { apiVersion: 'v1', ...ev.involved },
          type: ev.type,
          reason: ev.reason,
          message: ev.message.slice(0, 1024),
          source: { component: 'volume-topology-extender' },
          reportingComponent: 'volume-topology-extender',
          reportingInstance: process.env.HOSTNAME ?? 'volume-topology-extender',
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (e) {
      throw toApiError(e, `create event ${ev.reason} for ${ev.involved.kind} ${ev.namespace}/${ev.involved.name}`);
    }
  }
}
