/**
 * Paged, abortable LIST of one collection, returning raw (then pruned) JSON.
 *
 * Why not CoreV1Api/StorageV1Api: the generated clients deserialise into model classes, which
 * turns timestamps into Date objects and drops fields the model does not know, while watch events
 * arrive as raw JSON — the store would hold two shapes of the same object. They also build every
 * container of every Pod before we prune, and take no AbortSignal without extra middleware. This
 * helper uses the same plumbing client-node's Watch uses (KubeConfig.applySecurityAuthentication
 * for auth/TLS and client-node's own undici fetch), so credentials behave identically.
 */
import { HttpMethod, IsomorphicFetchHttpLibrary, type KubeConfig, RequestContext } from '@kubernetes/client-node';
import type { KubeObject } from '../engine/types.js';
import { KubeApiError } from './informer-errors.js';

export interface ListOptions {
  /** Items per page (`limit`); 0 = unpaged. */
  readonly pageSize: number;
  /** Aborts the whole list (stop()). */
  readonly signal: AbortSignal;
  /** Per-page timeout. */
  readonly pageTimeoutMs: number;
  /** Applied to each item as its page arrives, so raw pages are not kept. */
  readonly transform: (obj: KubeObject) => KubeObject;
}

export interface ListResult {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  readonly pages: number;
}

interface RawList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[] | null;
}

const http = new IsomorphicFetchHttpLibrary();

export async function listAll(kc: KubeConfig, path: string, opts: ListOptions): Promise<ListResult> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No currently active cluster');
  const items: KubeObject[] = [];
  let cont: string | undefined;
  let resourceVersion: string;
  let pages = 0;
  do {
    opts.signal.throwIfAborted();
    const url = new URL(cluster.server + path);
    if (opts.pageSize > 0) url.searchParams.set('limit', String(opts.pageSize));
    if (cont) url.searchParams.set('continue', cont);
    const ctx = new RequestContext(url.toString(), HttpMethod.GET);
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('User-Agent', 'volume-topology-extender');
    await kc.applySecurityAuthentication(ctx);
    ctx.setSignal(AbortSignal.any([opts.signal, AbortSignal.timeout(opts.pageTimeoutMs)]));
    const resp = await http.send(ctx).toPromise();
    const text = await resp.body.text();
    if (resp.httpStatusCode !== 200) throw KubeApiError.fromResponse(resp.httpStatusCode, text, `list ${path}`);
    const body = JSON.parse(text) as RawList;
    for (const item of body.items ?? []) items.push(opts.transform(item));
    resourceVersion = body.metadata?.resourceVersion ?? '';
    cont = body.metadata?.continue || undefined;
    pages++;
  } while (cont);
  return { items, resourceVersion, pages };
}
