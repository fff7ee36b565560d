// Call history (GET /v1/apps/{app}/calls, filtered by status and route, paged by its cursor) and one
// call's record with its log; a queued async call can be cancelled.
import { useEffect, useState } from 'preact/hooks';
import { api, enc, type Call } from './api.ts';
import { link } from './nav.ts';

const STATUSES = ['', 'queued', 'running', 'success', 'error', 'timeout', 'cancelled'];

export const durationMs = (c: Call) => (c.started_at && c.completed_at ? Date.parse(c.completed_at) - Date.parse(c.started_at) : undefined);
const when = (iso: string) => new Date(iso).toLocaleString();
/** default runs one container per call (cold); http and json reuse hot containers */
export const coldOrHot = (c: Call) => (c.format === 'default' ? 'cold' : 'hot');

export function CallsList(props: { app: string; path?: string; refresh?: number }) {
  const { app, path } = props;
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const [data, setData] = useState<{ calls: Call[]; next_cursor: string | null } | undefined>();
  const [error, setError] = useState('');
  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    const q = new URLSearchParams({ per_page: '20' });
    if (path) q.set('path', path);
    if (status) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    api<{ calls: Call[]; next_cursor: string | null }>('GET', `/v1/apps/${enc(app)}/calls?${q.toString()}`)
      .then((d) => {
        setData(d);
        setError('');
      })
      .catch((e: Error) => setError(e.message));
  }, [app, path, status, cursor, props.refresh]);
  return (
    <div class="calls">
      <div class="toolbar">
        <label for="calls-status">Status</label>
        <select
          id="calls-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            setCursors([]);
          }}
        >
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || 'any'}
            </option>
          ))}
        </select>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table class="list" id="calls-table">
        <thead>
          <tr>
            <th>call</th>
            {!path && <th>route</th>}
            <th>status</th>
            <th>HTTP</th>
            <th>duration</th>
            <th>container</th>
            <th>type</th>
            <th>created</th>
          </tr>
        </thead>
        <tbody>
          {data?.calls.map((c) => (
            <tr key={c.id}>
              <td>
                <a href={link(`/apps/${enc(app)}/calls/${enc(c.id)}`)} class="mono">
                  {c.id}
                </a>
              </td>
              {!path && <td>{c.path}</td>}
              <td class={`status-${c.status}`}>{c.status}</td>
              <td>{c.status_code ?? ''}</td>
              <td>{durationMs(c) !== undefined ? `${durationMs(c)} ms` : ''}</td>
              <td>{coldOrHot(c)}</td>
              <td>{c.type}</td>
              <td>{when(c.created_at)}</td>
            </tr>
          ))}
          {data && data.calls.length === 0 && (
            <tr>
              <td colSpan={8}>no calls</td>
            </tr>
          )}
        </tbody>
      </table>
      <nav class="pager" aria-label="call pages">
        <button type="button" class="small" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          ‹ newer
        </button>
        <button type="button" class="small" disabled={!data?.next_cursor} onClick={() => data?.next_cursor && setCursors([...cursors, data.next_cursor])}>
          older ›
        </button>
      </nav>
    </div>
  );
}

export function CallsPage(props: { app: string }) {
  return (
    <section>
      <p class="crumbs">
        <a href={link('/apps')}>Apps</a> › <a href={link(`/apps/${enc(props.app)}`)}>{props.app}</a> › calls
      </p>
      <h1>Calls of {props.app}</h1>
      <CallsList app={props.app} />
    </section>
  );
}

export function CallPage(props: { app: string; id: string }) {
  const { app, id } = props;
  const [call, setCall] = useState<Call | undefined>();
  const [log, setLog] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [version, setVersion] = useState(0);
  useEffect(() => {
    api<{ call: Call }>('GET', `/v1/apps/${enc(app)}/calls/${enc(id)}`)
      .then((r) => setCall(r.call))
      .catch((e: Error) => setError(e.message));
    api<{ log: { log: string } }>('GET', `/v1/apps/${enc(app)}/calls/${enc(id)}/log`)
      .then((r) => setLog(r.log.log))
      .catch((e: Error) => setLog(`(${e.message})`));
  }, [app, id, version]);
  const cancel = async () => {
    try {
      await api('DELETE', `/v1/apps/${enc(app)}/calls/${enc(id)}`);
      setVersion(version + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section>
      <p class="crumbs">
        <a href={link('/apps')}>Apps</a> › <a href={link(`/apps/${enc(app)}`)}>{app}</a> › <a href={link(`/apps/${enc(app)}/calls`)}>calls</a> › {id}
      </p>
      <h1>Call {id}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {call && (
        <div class="panel">
          <dl class="kv" id="call-detail">
            {Object.entries(call).map(([k, v]) => [<dt key={`k${k}`}>{k.replace(/_/g, ' ')}</dt>, <dd key={`v${k}`}>{String(v)}</dd>])}
            <dt>duration</dt>
            <dd>{durationMs(call) !== undefined ? `${durationMs(call)} ms` : '-'}</dd>
          </dl>
          <p>
            <a href={link(`/apps/${enc(app)}/route/${enc(call.path)}`)}>route {call.path}</a>
          </p>
          {call.status === 'queued' && (
            <button type="button" class="danger" onClick={() => void cancel()}>
              Cancel this queued call
            </button>
          )}
        </div>
      )}
      <div class="panel">
        <h2>Log</h2>
        <pre id="call-log">{log ?? 'Loading…'}</pre>
      </div>
    </section>
  );
}
