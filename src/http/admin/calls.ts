// /v1/apps/{app}/calls: call records and logs (fn's calls API), and
// cancelling a queued async call. Shapes follow fn: {"message","next_cursor","calls"}, {"message",
// "call"}, {"message","log":{"call_id","log"}}; 404 App not found / Call not found / Call log not found.
import { Hono, type Context } from 'hono';
import type { Store } from '../../store/db.ts';
import { getApp } from '../../store/apps.ts';
import * as calls from '../../store/calls.ts';
import { validateAppName } from '../../models/app.ts';
import { ApiError, Errors, notFound } from '../../models/errors.ts';
import { callJson } from '../../queue/json.ts';
import { encodeCursor, parseCallFilter } from './call-query.ts';

export interface CallsApiDeps {
  store: Store;
}

const callNotFound = () => notFound('Call not found');
const logNotFound = () => notFound('Call log not found');

export function callsApi(deps: CallsApiDeps) {
  const db = deps.store.db;
  const api = new Hono();

  /** The app of the URL; 404 App not found when it does not exist. */
  const appOf = async (c: Context): Promise<string> => {
    const name = validateAppName(c.req.param('app'));
    if (!(await getApp(db, name))) throw Errors.appNotFound();
    return name;
  };
  /** When a call is missing, the app may be what is missing. */
  const missing = async (c: Context, err: () => ApiError): Promise<never> => {
    await appOf(c);
    throw err();
  };

  api.get('/:app/calls', async (c) => {
    const appName = await appOf(c);
    const filter = parseCallFilter(appName, (n) => c.req.query(n));
    const page = await calls.listCalls(db, { ...filter, limit: filter.limit + 1 });
    const more = page.length > filter.limit;
    const rows = more ? page.slice(0, filter.limit) : page;
    const last = rows[rows.length - 1];
    const now = Date.now();
    return c.json({
      message: 'Successfully listed calls',
      next_cursor: more && last ? encodeCursor(last.createdAt, last.id) : null,
      calls: rows.map((r) => callJson(r, now)),
    });
  });

  api.get('/:app/calls/:call', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const call = await calls.getCall(db, appName, c.req.param('call'));
    if (!call) return missing(c, callNotFound);
    return c.json({ message: 'Successfully loaded call', call: callJson(call) });
  });

  // cancel: only a call still waiting in the queue can be cancelled
  api.delete('/:app/calls/:call', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const id = c.req.param('call');
    const cancelled = await calls.cancelQueued(db, appName, id, Date.now());
    if (cancelled) return c.json({ message: 'Call cancelled', call: callJson(cancelled) });
    const call = await calls.getCall(db, appName, id);
    if (!call) return missing(c, callNotFound);
    const what = call.status === 'running' ? 'it is running' : `it already ended (${call.status})`;
    throw new ApiError(409, `Call cannot be cancelled: ${what}`);
  });

  // text/plain when the client asks for it (fn from 2018), JSON otherwise
  api.get('/:app/calls/:call/log', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const id = c.req.param('call');
    const log = await calls.getLog(db, appName, id);
    if (!log) return missing(c, logNotFound);
    const accept = c.req.header('accept') ?? '';
    if (/text\/plain/.test(accept) && !/application\/json/.test(accept)) {
      return c.body(new Uint8Array(log), 200, { 'content-type': 'text/plain; charset=utf-8' });
    }
    return c.json({ message: 'Successfully loaded call', log: { call_id: id, log: log.toString('utf8') } });
  });

  api.delete('/:app/calls/:call/log', async (c) => {
    const appName = validateAppName(c.req.param('app'));
    const id = c.req.param('call');
    if (!(await calls.getCall(db, appName, id))) return missing(c, callNotFound);
    await calls.deleteLog(db, id);
    return c.json({ message: 'Log delete accepted' }, 202);
  });

  return api;
}
