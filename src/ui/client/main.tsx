// The console's shell: asks GET /ui/session whether a login is needed (admin auth on) and for the
// session's CSRF token, shows the login form or the navigation, and routes by the URL's hash.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { ApiError, api, setCsrf, setOnUnauthorized } from './api.ts';
import { Overview } from './overview.tsx';
import { AppPage, AppsPage } from './apps.tsx';
import { RoutePage } from './route.tsx';
import { CallPage, CallsPage } from './calls.tsx';
import { current, link } from './nav.ts';

interface SessionInfo {
  auth: boolean;
  logged_in: boolean;
  csrf: string;
}

function Login(props: { onDone: () => void; expired: boolean }) {
  const [error, setError] = useState(props.expired ? 'Your session ended: log in again.' : '');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    setBusy(true);
    try {
      const res = await fetch('/ui/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(new FormData(form) as unknown as Record<string, string>).toString(),
        credentials: 'same-origin',
      });
      const json = (await res.json()) as { csrf?: string; error?: { message: string } };
      if (!res.ok) throw new ApiError(res.status, json.error?.message ?? `${res.status}`);
      form.reset();
      props.onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>podfn console</h1>
      <form id="login-form" method="post" action="/ui/login" onSubmit={(e) => void submit(e)}>
        <p>The admin API needs its token (PODFN_ADMIN_TOKEN, or the token file the first start wrote).</p>
        <div class="field">
          <label for="login-token">admin token</label>
          <input id="login-token" name="token" type="password" autocomplete="current-password" required />
        </div>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="actions">
          <button type="submit" disabled={busy}>
            Log in
          </button>
        </div>
      </form>
    </main>
  );
}

function Page(props: { path: string }) {
  const p = props.path.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  // '', 'apps', app, ('route', path | 'calls', id?)
  if (p[1] === 'apps' && p[2] !== undefined && p[2] !== '') {
    if (p[3] === 'route' && p[4]) return <RoutePage app={p[2]} path={p[4]} />;
    if (p[3] === 'calls' && p[4]) return <CallPage app={p[2]} id={p[4]} />;
    if (p[3] === 'calls') return <CallsPage app={p[2]} />;
    return <AppPage app={p[2]} />;
  }
  if (p[1] === 'apps') return <AppsPage />;
  return <Overview />;
}

function Shell() {
  const [session, setSession] = useState<SessionInfo | undefined>();
  const [expired, setExpired] = useState(false);
  const [path, setPath] = useState(current());
  const load = () =>
    api<SessionInfo>('GET', '/ui/session').then((s) => {
      setCsrf(s.csrf);
      setSession(s);
    });
  useEffect(() => {
    void load();
    setOnUnauthorized(() => {
      setExpired(true);
      setSession((s) => (s ? { ...s, logged_in: false } : s));
    });
    const onHash = () => setPath(current());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  if (!session) return <p class="loading">Loading…</p>;
  if (session.auth && !session.logged_in)
    return (
      <Login
        expired={expired}
        onDone={() => {
          setExpired(false);
          void load();
        }}
      />
    );
  const logout = async () => {
    await api('POST', '/ui/logout').catch(() => undefined);
    setCsrf('');
    void load();
  };
  const section = path.split('/')[1] ?? '';
  return (
    <>
      <header class="top">
        <a class="brand" href={link('/')}>
          podfn
        </a>
        <nav aria-label="main">
          <a href={link('/')} aria-current={section === '' ? 'page' : undefined}>
            Overview
          </a>
          <a href={link('/apps')} aria-current={section === 'apps' ? 'page' : undefined}>
            Apps
          </a>
        </nav>
        {session.auth && (
          <button type="button" class="secondary small" id="logout" onClick={() => void logout()}>
            Log out
          </button>
        )}
      </header>
      <main>
        <Page path={path} key={path} />
      </main>
    </>
  );
}

render(<Shell />, document.getElementById('root')!);
