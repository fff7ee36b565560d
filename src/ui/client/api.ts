// The console's one way to the gateway: fetch on this origin (the CSP allows nothing else), JSON in and
// out, the session's CSRF header on every /v1 call (the session cookie goes along by itself), and API
// errors as ApiError with the API's own message.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrf = '';
export const setCsrf = (token: string) => {
  csrf = token;
};

/** Called when the API answers 401 (session expired): the shell shows the login again. */
let onUnauthorized: () => void = () => {};
export const setOnUnauthorized = (fn: () => void) => {
  onUnauthorized = fn;
};

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (csrf) headers['X-Podfn-Csrf'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    if (res.status === 401 && path.startsWith('/v1/')) onUnauthorized();
    const message = (json as { error?: { message?: string } } | undefined)?.error?.message ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, message);
  }
  return json as T;
}

export const enc = encodeURIComponent;
/** /v1/apps/{app}/routes/{path}: the route path's slashes encoded as one segment. */
export const routeUrl = (app: string, path: string) => `/v1/apps/${enc(app)}/routes/${enc(path)}`;

export interface App {
  name: string;
  config?: Record<string, string>;
}
export type Route = Record<string, unknown> & { app_name: string; path: string; image: string; format: string; type: string };
export interface Call {
  id: string;
  app_name: string;
  path: string;
  image: string;
  type: string;
  format: string;
  status: string;
  reason?: string;
  error?: string;
  method: string;
  status_code?: number;
  attempts: number;
  max_attempts: number;
  node_id?: string;
  created_at: string;
  started_at?: string;
  completed_at?: string;
  retry_at?: string;
}
