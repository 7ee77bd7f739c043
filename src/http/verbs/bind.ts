/**
 * bind verb = Reserve + PreBind + pod Binding in one request (R16.3), delegated to the Binder.
 * Every failure is answered with HTTP 200 and `Error` (the scheduler then re-queues the pod);
 * bad arguments are a 400. The binder is told through an AbortSignal when the scheduler hangs up.
 */
import type { RequestHandler } from 'express';
import type { BindResult } from '../../bind/binder.js';
import { HttpError, setOutcome } from '../context.js';
import type { VerbDeps } from '../deps.js';
import { decodeBindingArgs, errorResult } from '../wire.js';

export function bindHandler(deps: VerbDeps): RequestHandler {
  return async (req, res) => {
    const args = decodeBindingArgs('bind', req.body);
    if (!args.ok) throw new HttpError(400, args.error);
    const a = args.value;
    const summary = { verb: 'bind', pod: { namespace: a.podNamespace, name: a.podName, uid: a.podUid }, node: a.node };

    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort(new Error('the scheduler closed the connection before bind finished'));
    });

    let result: BindResult;
    try {
      result = await deps.binder.bind(a, abort.signal);
    } catch (err) {
      req.log.error({ ...summary, err }, 'bind: binder threw');
      result = { outcome: 'error', error: err instanceof Error ? err.message : String(err) };
    }
    deps.metrics.bindTotal.inc({ outcome: result.outcome });
    if (result.error !== '') {
      setOutcome(res, 'error');
      req.log.info({ ...summary, outcome: result.outcome, error: result.error }, 'bind: failed');
    } else req.log.debug({ ...summary, outcome: result.outcome }, 'bind: done');
    if (!res.destroyed) res.json(errorResult(result.error));
  };
}
