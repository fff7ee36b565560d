// One route: its fields, the edit form (every field of the API, from its OpenAPI document), delete,
// "try it" (a real request to /r/{app}{path}: method, content type, headers, body; the answer's status,
// headers, body as text, pretty JSON or a size for binary, the time it took and the call id, linked to
// its record) and the route's call history.
import { useEffect, useState } from 'preact/hooks';
import { api, enc, routeUrl, type Route } from './api.ts';
import { SchemaForm, fieldsOf, initialValues, str } from './fields.tsx';
import { useDoc } from './apps.tsx';
import { CallsList } from './calls.tsx';
import { go, link } from './nav.ts';

interface TryResult {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: string;
  kind: 'json' | 'text' | 'binary';
  bytes: number;
  ms: number;
  callId?: string;
}

const METHODS = ['POST', 'GET', 'PUT', 'PATCH', 'DELETE'];

function isText(type: string) {
  return /^text\/|json|xml|javascript|x-www-form-urlencoded/i.test(type) || type === '';
}

function TryIt(props: { app: string; path: string; onCall: () => void }) {
  const [method, setMethod] = useState('POST');
  const [contentType, setContentType] = useState('application/json');
  const [headers, setHeaders] = useState('');
  const [body, setBody] = useState('{"name":"console"}');
  const [result, setResult] = useState<TryResult | undefined>();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const send = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const h = new Headers();
      for (const line of headers.split('\n')) {
        const i = line.indexOf(':');
        if (i > 0) h.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      const hasBody = method !== 'GET' && method !== 'HEAD';
      if (hasBody && contentType) h.set('Content-Type', contentType);
      const url = `/r/${enc(props.app)}${props.path.split('/').map(enc).join('/')}`;
      const t0 = performance.now();
      const res = await fetch(url, { method, headers: h, body: hasBody ? body : undefined, credentials: 'omit', cache: 'no-store' });
      const buf = new Uint8Array(await res.arrayBuffer());
      const ms = Math.round(performance.now() - t0);
      const type = res.headers.get('content-type') ?? '';
      let text = '';
      let kind: TryResult['kind'] = 'binary';
      if (isText(type)) {
        text = new TextDecoder().decode(buf);
        kind = 'text';
        if (/json/i.test(type) || /^\s*[[{]/.test(text)) {
          try {
            text = JSON.stringify(JSON.parse(text), null, 2);
            kind = 'json';
          } catch {
            /* not JSON after all */
          }
        }
      }
      setResult({
        status: res.status,
        statusText: res.statusText,
        headers: [...res.headers.entries()],
        body: text,
        kind,
        bytes: buf.byteLength,
        ms,
        callId: res.headers.get('fn-call-id') ?? undefined,
      });
      props.onCall();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="panel" id="try-it">
      <h2>Try it</h2>
      <form id="try-form" onSubmit={(e) => void send(e)}>
        <div class="field">
          <label for="try-method">method</label>
          <select id="try-method" value={method} onChange={(e) => setMethod(e.currentTarget.value)}>
            {METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="try-content-type">content type</label>
          <input id="try-content-type" value={contentType} onInput={(e) => setContentType(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="try-headers">headers (one Name: value a line)</label>
          <textarea id="try-headers" rows={2} value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="try-body">body</label>
          <textarea id="try-body" rows={4} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
        </div>
        <div class="actions">
          <button type="submit" id="try-send" disabled={busy}>
            {busy ? 'Sending…' : 'Send'}
          </button>
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div id="try-result">
          <p>
            <b class={result.status < 400 ? 'ok' : 'bad'} id="try-status">
              {result.status} {result.statusText}
            </b>{' '}
            in <span id="try-ms">{result.ms} ms</span>, {result.bytes} bytes
            {result.callId && (
              <>
                {' '}
                · call{' '}
                <a id="try-call" class="mono" href={link(`/apps/${enc(props.app)}/calls/${enc(result.callId)}`)}>
                  {result.callId}
                </a>
              </>
            )}
          </p>
          <details>
            <summary>headers ({result.headers.length})</summary>
            <pre>{result.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>
          </details>
          <pre id="try-body-out">{result.kind === 'binary' ? `(binary, ${result.bytes} bytes)` : result.body}</pre>
        </div>
      )}
    </div>
  );
}

interface Version {
  version: number;
  action: string;
  restored_from?: number;
  current: boolean;
  created_at: string;
  route: Route;
}

/** The route's kept definitions (GET <route>/history, newest first) and a rollback to any of them. */
function History(props: { app: string; path: string; version: number; onChange: () => void }) {
  const [list, setList] = useState<Version[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ history: Version[] }>('GET', `${routeUrl(props.app, props.path)}/history`)
      .then((r) => setList(r.history))
      .catch(() => setList(undefined));
  }, [props.app, props.path, props.version]);
  if (!list) return null;
  const rollback = async (v: number) => {
    if (!window.confirm(`Roll ${props.path} back to version ${v}?`)) return;
    try {
      await api('POST', `${routeUrl(props.app, props.path)}/rollback`, { version: v });
      setError('');
      props.onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div class="panel" id="route-history">
      <h2>History</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <table class="list">
        <thead>
          <tr>
            <th>version</th>
            <th>change</th>
            <th>image</th>
            <th>when</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((v) => (
            <tr key={v.version}>
              <td>{v.version}</td>
              <td>
                {v.action}
                {v.restored_from ? ` of ${v.restored_from}` : ''}
              </td>
              <td>{v.route.image}</td>
              <td>{new Date(v.created_at).toLocaleString()}</td>
              <td>
                {v.current ? (
                  'current'
                ) : (
                  <button type="button" class="small secondary" onClick={() => void rollback(v.version)}>
                    Roll back to {v.version}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RoutePage(props: { app: string; path: string }) {
  const { app, path } = props;
  const [route, setRoute] = useState<Route | undefined>();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState('');
  const [version, setVersion] = useState(0);
  const [calls, setCalls] = useState(0);
  const doc = useDoc();
  useEffect(() => {
    api<{ route: Route }>('GET', routeUrl(app, path))
      .then((r) => setRoute(r.route))
      .catch((e: Error) => setError(e.message));
  }, [app, path, version]);
  const fields = doc ? fieldsOf(doc, 'RouteBody', 'route') : [];
  const del = async () => {
    if (!window.confirm(`Delete route ${path} of ${app}?`)) return;
    try {
      await api('DELETE', routeUrl(app, path));
      go(`/apps/${enc(app)}`);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section>
      <p class="crumbs">
        <a href={link('/apps')}>Apps</a> › <a href={link(`/apps/${enc(app)}`)}>{app}</a> › {path}
      </p>
      <h1>
        Route {app}
        {path}
      </h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {route && (
        <div class="panel">
          {editing && doc ? (
            <SchemaForm
              formId="route-edit"
              fields={fields}
              initial={initialValues(fields, route)}
              secretsSet={new Set(route.jwt_protected ? ['jwt_key'] : [])}
              submitLabel="Save route"
              onCancel={() => setEditing(false)}
              onSubmit={async (body) => {
                await api('PATCH', routeUrl(app, path), { route: body });
                setEditing(false);
                setVersion(version + 1);
              }}
            />
          ) : (
            <>
              <dl class="kv" id="route-detail">
                {Object.entries(route).map(([k, v]) => [<dt key={`k${k}`}>{k.replace(/_/g, ' ')}</dt>, <dd key={`v${k}`}>{str(v)}</dd>])}
              </dl>
              <div class="actions">
                <button type="button" id="edit-route" onClick={() => setEditing(true)}>
                  Edit route
                </button>
                <button type="button" class="danger" id="delete-route" onClick={() => void del()}>
                  Delete route
                </button>
              </div>
            </>
          )}
        </div>
      )}
      {route && <TryIt app={app} path={path} onCall={() => setCalls(calls + 1)} />}
      {route && <History app={app} path={path} version={version} onChange={() => setVersion(version + 1)} />}
      <div class="panel">
        <h2>Calls of this route</h2>
        <CallsList app={app} path={path} refresh={calls} />
      </div>
    </section>
  );
}
