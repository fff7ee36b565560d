// Apps and their routes: the list (filter, pages), an app's page (its config as key/value rows, its
// routes, delete), and the create/edit forms, all built from the API's OpenAPI document (fields.tsx).
import { useEffect, useState } from 'preact/hooks';
import { api, enc, routeUrl, type App, type Route } from './api.ts';
import { SchemaForm, fieldsOf, initialValues, openApi, type Field } from './fields.tsx';
import { go, link } from './nav.ts';

const PAGE = 20;

export function useDoc(): Record<string, unknown> | undefined {
  const [doc, setDoc] = useState<Record<string, unknown> | undefined>();
  useEffect(() => {
    void openApi(() => api('GET', '/v1/openapi.json')).then(setDoc);
  }, []);
  return doc;
}

export function Pager(props: { page: number; pages: number; onPage: (p: number) => void }) {
  if (props.pages <= 1) return null;
  return (
    <nav class="pager" aria-label="pages">
      <button type="button" class="small" disabled={props.page === 0} onClick={() => props.onPage(props.page - 1)}>
        ‹ previous
      </button>
      <span>
        page {props.page + 1} of {props.pages}
      </span>
      <button type="button" class="small" disabled={props.page >= props.pages - 1} onClick={() => props.onPage(props.page + 1)}>
        next ›
      </button>
    </nav>
  );
}

export function AppsPage() {
  const [apps, setApps] = useState<App[] | undefined>();
  const [routes, setRoutes] = useState<Route[]>([]);
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState('');
  const doc = useDoc();
  const load = () =>
    Promise.all([api<{ apps: App[] }>('GET', '/v1/apps'), api<{ routes: Route[] }>('GET', '/v1/routes')])
      .then(([a, r]) => {
        setApps(a.apps);
        setRoutes(r.routes);
      })
      .catch((e: Error) => setError(e.message));
  useEffect(() => void load(), []);
  const shown = (apps ?? []).filter((a) => a.name.toLowerCase().includes(filter.toLowerCase()));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const fields: Field[] = doc ? fieldsOf(doc, 'NewAppBody', 'app') : [];
  return (
    <section>
      <h1>Apps</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="toolbar">
        <label for="apps-filter">Filter</label>
        <input
          id="apps-filter"
          type="search"
          value={filter}
          placeholder="app name"
          onInput={(e) => {
            setFilter(e.currentTarget.value);
            setPage(0);
          }}
        />
        <button type="button" id="new-app" onClick={() => setCreating(!creating)}>
          New app
        </button>
      </div>
      {creating && doc && (
        <div class="panel">
          <h2>New app</h2>
          <SchemaForm
            formId="app-new"
            fields={fields}
            submitLabel="Create app"
            onCancel={() => setCreating(false)}
            onSubmit={async (body) => {
              const res = await api<{ app: App }>('POST', '/v1/apps', { app: body });
              go(`/apps/${enc(res.app.name)}`);
            }}
          />
        </div>
      )}
      {apps === undefined ? (
        <p>Loading…</p>
      ) : (
        <table class="list" id="apps-table">
          <thead>
            <tr>
              <th>app</th>
              <th>routes</th>
              <th>config keys</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(page * PAGE, (page + 1) * PAGE).map((a) => (
              <tr key={a.name}>
                <td>
                  <a href={link(`/apps/${enc(a.name)}`)}>{a.name}</a>
                </td>
                <td>{routes.filter((r) => r.app_name === a.name).length}</td>
                <td>{Object.keys(a.config ?? {}).length}</td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={3}>no apps{filter ? ' match the filter' : ''}</td>
              </tr>
            )}
          </tbody>
        </table>
      )}
      <Pager page={page} pages={pages} onPage={setPage} />
    </section>
  );
}

export function AppPage(props: { app: string }) {
  const { app } = props;
  const [data, setData] = useState<App | undefined>();
  const [routes, setRoutes] = useState<Route[] | undefined>();
  const [editing, setEditing] = useState(false);
  const [creating, setCreating] = useState(false);
  const [filter, setFilter] = useState('');
  const [page, setPage] = useState(0);
  const [error, setError] = useState('');
  const [version, setVersion] = useState(0);
  const doc = useDoc();
  useEffect(() => {
    api<{ app: App }>('GET', `/v1/apps/${enc(app)}`)
      .then((r) => setData(r.app))
      .catch((e: Error) => setError(e.message));
    api<{ routes: Route[] }>('GET', `/v1/apps/${enc(app)}/routes`)
      .then((r) => setRoutes(r.routes))
      .catch(() => setRoutes([]));
  }, [app, version]);
  const appFields = doc ? fieldsOf(doc, 'AppUpdateBody', 'app').filter((f) => f.name !== 'name') : [];
  const routeFields = doc ? fieldsOf(doc, 'RouteBody', 'route') : [];
  const shown = (routes ?? []).filter((r) => `${r.path} ${r.image}`.toLowerCase().includes(filter.toLowerCase()));
  const del = async (cascade: boolean) => {
    if (!window.confirm(cascade ? `Delete app ${app} with its ${routes?.length ?? 0} routes?` : `Delete app ${app}?`)) return;
    try {
      await api('DELETE', `/v1/apps/${enc(app)}${cascade ? '?cascade=true' : ''}`);
      go('/apps');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section>
      <p class="crumbs">
        <a href={link('/apps')}>Apps</a> › {app}
      </p>
      <h1>App {app}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data && (
        <div class="panel">
          <h2>Config</h2>
          {editing && doc ? (
            <SchemaForm
              formId="app-edit"
              fields={appFields}
              initial={initialValues(appFields, data as unknown as Record<string, unknown>)}
              submitLabel="Save app"
              onCancel={() => setEditing(false)}
              onSubmit={async (body) => {
                await api('PATCH', `/v1/apps/${enc(app)}`, { app: body });
                setEditing(false);
                setVersion(version + 1);
              }}
            />
          ) : (
            <>
              <dl class="kv" id="app-config">
                {Object.entries(data.config ?? {}).map(([k, v]) => [<dt key={`k${k}`}>{k}</dt>, <dd key={`v${k}`}>{v}</dd>])}
                {Object.keys(data.config ?? {}).length === 0 && <dd>no config</dd>}
              </dl>
              <div class="actions">
                <button type="button" id="edit-app" onClick={() => setEditing(true)}>
                  Edit config
                </button>
                <a class="button secondary" href={link(`/apps/${enc(app)}/calls`)}>
                  Calls
                </a>
                <button type="button" class="danger" id="delete-app" onClick={() => void del(false)}>
                  Delete app
                </button>
                {(routes?.length ?? 0) > 0 && (
                  <button type="button" class="danger" id="delete-app-cascade" onClick={() => void del(true)}>
                    Delete with its routes
                  </button>
                )}
              </div>
            </>
          )}
        </div>
      )}
      <div class="panel">
        <h2>Routes</h2>
        <div class="toolbar">
          <label for="routes-filter">Filter</label>
          <input
            id="routes-filter"
            type="search"
            value={filter}
            placeholder="path or image"
            onInput={(e) => {
              setFilter(e.currentTarget.value);
              setPage(0);
            }}
          />
          <button type="button" id="new-route" onClick={() => setCreating(!creating)}>
            New route
          </button>
        </div>
        {creating && doc && (
          <SchemaForm
            formId="route-new"
            fields={routeFields}
            submitLabel="Create route"
            onCancel={() => setCreating(false)}
            onSubmit={async (body) => {
              const res = await api<{ route: Route }>('POST', `/v1/apps/${enc(app)}/routes`, { route: body });
              go(`/apps/${enc(app)}/route/${enc(res.route.path)}`);
            }}
          />
        )}
        <table class="list" id="routes-table">
          <thead>
            <tr>
              <th>path</th>
              <th>image</th>
              <th>format</th>
              <th>type</th>
              <th>memory</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(page * PAGE, (page + 1) * PAGE).map((r) => (
              <tr key={r.path}>
                <td>
                  <a href={link(`/apps/${enc(app)}/route/${enc(r.path)}`)}>{r.path}</a>
                </td>
                <td>{r.image}</td>
                <td>{r.format}</td>
                <td>{r.type}</td>
                <td>{String(r.memory)} MiB</td>
              </tr>
            ))}
            {routes && shown.length === 0 && (
              <tr>
                <td colSpan={5}>no routes</td>
              </tr>
            )}
          </tbody>
        </table>
        <Pager page={page} pages={Math.max(1, Math.ceil(shown.length / PAGE))} onPage={setPage} />
      </div>
    </section>
  );
}

export { routeUrl };
