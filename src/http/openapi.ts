// The OpenAPI 3 document of podfn's HTTP API, served at GET /v1/openapi.json. Its schemas are the zod
// schemas the handlers validate with (src/models/schemas), converted by openapi-kit.ts; this file only
// lists the paths, their operations and answers. Seed paths keep the seed swagger's shapes; podfn's
// extensions (calls, tasks, nodes, health, metrics) are listed alongside. test/api/openapi-routes.test.ts
// fails when the server serves a route this document does not list.
import { VERSION } from '../version.ts';
import type { RouteLimits } from '../models/schemas/route.ts';
import { newAppBody, appUpdateBody, appJson, appAnswer, appsAnswer, appDeleteQuery } from '../models/schemas/app.ts';
import {
  routeBody,
  routeJson,
  routeAnswer,
  routesAnswer,
  routeVersionJson,
  routeHistoryAnswer,
  rollbackBody,
  rollbackAnswer,
  routeRolloutJson,
  routeWithRolloutAnswer,
} from '../models/schemas/route.ts';
import { newSecretBody, secretBody, secretJson, secretAnswer, secretsAnswer, secretName } from '../models/schemas/secret.ts';
import { errorBody, messageAnswer, callAccepted, pingAnswer, versionAnswer, healthAnswer, readyAnswer, nodesAnswer } from '../models/schemas/system.ts';
import { timeseriesAnswer, timeseriesQuery, consoleSession, consoleLogin } from '../models/schemas/stats.ts';
import { queueComponents, queueOpenApiPaths } from './queue-openapi.ts';
import { appParam, componentSchemas, err, json, jsonSchemaOf, ok, queryParams, ref } from './openapi-kit.ts';

const components = (limits: RouteLimits) => ({
  Error: errorBody,
  Message: messageAnswer,
  App: appJson,
  AppWrapper: appAnswer,
  AppsWrapper: appsAnswer,
  NewAppBody: newAppBody,
  AppUpdateBody: appUpdateBody,
  Route: routeJson,
  RouteWrapper: routeAnswer,
  RoutesWrapper: routesAnswer,
  RouteBody: routeBody(limits),
  RouteVersion: routeVersionJson,
  RouteRollout: routeRolloutJson,
  RouteWithRollout: routeWithRolloutAnswer,
  RouteHistoryWrapper: routeHistoryAnswer,
  RollbackBody: rollbackBody,
  RollbackWrapper: rollbackAnswer,
  Secret: secretJson,
  SecretWrapper: secretAnswer,
  SecretsWrapper: secretsAnswer,
  NewSecretBody: newSecretBody,
  SecretBody: secretBody,
  CallAccepted: callAccepted,
  Ping: pingAnswer,
  Version: versionAnswer,
  Health: healthAnswer,
  Ready: readyAnswer,
  NodesWrapper: nodesAnswer,
  Timeseries: timeseriesAnswer,
  ConsoleSession: consoleSession,
  ConsoleLogin: consoleLogin,
  ...queueComponents,
});

const routeParam = {
  name: 'route',
  in: 'path',
  required: true,
  description: 'Route path; its slashes may be sent raw (/v1/apps/a/routes/hello/world) or encoded (%2Fhello%2Fworld)',
  schema: { type: 'string' },
};
/** Function URLs: a write whose `hosts` holds a name another route or app claims. */
const hostTaken = err('A host name in hosts is already claimed: "Host <name> is already claimed by route <path> of app <app>" (or "by app <app>")');
const secretParam = { name: 'name', in: 'path', required: true, description: 'Secret name', schema: jsonSchemaOf(secretName) };
const WRITE_ONLY =
  "Values are write-only: no answer ever holds one. They are encrypted at rest (AES-256-GCM, the node's secrets key) and reach the containers of the routes that list them as read-only files /run/secrets/<name>, never as environment. The app is created when missing, as a route create does.";
const common = { 400: err('Invalid input'), 413: err('Body too large'), 503: err('Database unavailable'), default: err('Unexpected error') };
const appBody = (name: string) => ({ required: true, ...json(ref(name)) });
const routeBodyRef = { required: true, ...json(ref('RouteBody')) };

/** /r/{app}/{route}: any method calls the function (GET and HEAD send the `payload` query parameter as the body). */
function invocation(method: string) {
  return {
    tags: ['Invocation'],
    summary: `Call a function with ${method}. Sync: the function output; async: 202 {"call_id"}`,
    parameters: [
      {
        name: 'X-Callback-Url',
        in: 'header',
        required: false,
        schema: { type: 'string', format: 'uri' },
        description:
          "async routes: POST the call's result here when it ends (body and Content-Type as a sync caller would get them; Fn-Call-Id, X-Function-Status, Fn-Call-Status headers), retried with backoff; the host must be in PODFN_CALLBACK_ALLOW (else 400). Ignored on sync routes",
      },
    ],
    responses: {
      200: {
        description:
          'Function output (default format) or the function response (http/json). Hot `http` answers stream as the function writes them ' +
          '(chunked when it sends no Content-Length); one cut short after its head went out (size cap, timeout, crash) ends without its ' +
          'terminating chunk or short of its Content-Length, and the connection closes (docs/functions.md#streaming-http-format)',
      },
      202: ok('Async call accepted', ref('CallAccepted')),
      400: err('Bad input, e.g. an X-Callback-Url that is not an http(s) URL or whose host is not in PODFN_CALLBACK_ALLOW'),
      401: err('The route has a jwt_key and the call carries no valid JWT signed with it'),
      404: err('App not found / Route not found'),
      413: err('Body too large'),
      429: err('The route is overloaded (Retry-After: 1)'),
      408: err('The request body did not arrive within PODFN_BODY_TIMEOUT_MS (Connection: close)'),
      502: err('Function failed (bad exit, crash, invalid response, output too large)'),
      503: err('Runner unavailable, no memory, or too many calls in flight (Retry-After: 1)'),
      504: err('Timed out'),
    },
  };
}

function paths() {
  return {
    '/v1/apps': {
      get: { tags: ['Apps'], summary: 'List apps', responses: { 200: ok('Apps', ref('AppsWrapper')) } },
      post: {
        tags: ['Apps'],
        summary: 'Create an app',
        requestBody: appBody('NewAppBody'),
        responses: { 200: ok('Created', ref('AppWrapper')), 409: err('App already exists, or a host name in hosts is already claimed (named)'), ...common },
      },
    },
    '/v1/apps/{app}': {
      parameters: [appParam],
      get: { tags: ['Apps'], summary: 'Get an app', responses: { 200: ok('App', ref('AppWrapper')), 404: err('App not found') } },
      put: {
        tags: ['Apps'],
        summary: 'Update app config (merge; a key set to "" is removed)',
        requestBody: appBody('AppUpdateBody'),
        responses: { 200: ok('Updated', ref('AppWrapper')), 404: err('App not found'), 409: hostTaken, ...common },
      },
      patch: {
        tags: ['Apps'],
        summary: 'Same as PUT',
        requestBody: appBody('AppUpdateBody'),
        responses: { 200: ok('Updated', ref('AppWrapper')), 404: err('App not found'), 409: hostTaken, ...common },
      },
      delete: {
        tags: ['Apps'],
        summary: 'Delete an app (one with routes: 400, unless cascading deletes its routes too)',
        description:
          'Cascading deletes the app and its routes in one transaction, drains their hot containers and ends the queued async calls of the app as status error ("app <name> was deleted before the call ran"); calls already running finish as they would.',
        parameters: queryParams(appDeleteQuery),
        responses: {
          200: ok('Deleted', ref('Message')),
          400: err('Cannot remove apps with routes (not cascading), or Invalid cascade: true or false'),
          404: err('App not found'),
        },
      },
    },
    '/v1/apps/{app}/routes': {
      parameters: [appParam],
      get: {
        tags: ['Routes'],
        summary: 'List the routes of an app',
        parameters: [{ name: 'image', in: 'query', schema: { type: 'string' } }],
        responses: { 200: ok('Routes', ref('RoutesWrapper')), 404: err('App not found') },
      },
      post: {
        tags: ['Routes'],
        summary: 'Create a route (and its app when missing)',
        requestBody: routeBodyRef,
        responses: { 200: ok('Created', ref('RouteWrapper')), 409: err('Route already exists, or a host name in hosts is already claimed (named)'), ...common },
      },
    },
    '/v1/apps/{app}/routes/{route}': {
      parameters: [appParam, routeParam],
      get: {
        tags: ['Routes'],
        summary: 'Get a route, with its rollout on the answering node',
        description:
          "rollout: the last (or current) replacement of the route's hot containers on the node that answers, e.g. a failed one with its error while the previous version keeps serving. Rollouts are per node; ask each node (GET /v1/nodes lists them) for its own.",
        responses: { 200: ok('Route', ref('RouteWithRollout')), 404: err('App or route not found') },
      },
      put: {
        tags: ['Routes'],
        summary: 'Create or update a route (upsert; fields merged; path immutable)',
        requestBody: routeBodyRef,
        responses: { 200: ok('Updated', ref('RouteWrapper')), 409: hostTaken, ...common },
      },
      patch: {
        tags: ['Routes'],
        summary: 'Update an existing route (fields merged)',
        requestBody: routeBodyRef,
        responses: { 200: ok('Updated', ref('RouteWrapper')), 404: err('App or route not found'), 409: hostTaken, ...common },
      },
      delete: { tags: ['Routes'], summary: 'Delete a route', responses: { 200: ok('Deleted', ref('Message')), 404: err('Route not found') } },
    },
    '/v1/apps/{app}/routes/{route}/history': {
      parameters: [appParam, routeParam],
      get: {
        tags: ['Routes'],
        summary: 'The last 10 definitions of a route, newest (the current one) first',
        description:
          'Each create, update and rollback that changes the route adds a version, written in the same transaction as the route. A route whose own path ends in /history is addressed with its slashes encoded (%2Fx%2Fhistory).',
        responses: { 200: ok('History', ref('RouteHistoryWrapper')), 404: err('App or route not found') },
      },
    },
    '/v1/apps/{app}/routes/{route}/rollback': {
      parameters: [appParam, routeParam],
      post: {
        tags: ['Routes'],
        summary: 'Restore a kept definition of the route (no body: the previous one)',
        description:
          'The restored definition becomes a new version (action rollback) and is rolled out like any update: the old version keeps serving until the new one answers.',
        requestBody: { required: false, ...json(ref('RollbackBody')) },
        responses: { 200: ok('Rolled back', ref('RollbackWrapper')), 404: err('App or route not found'), ...common },
      },
    },
    '/v1/apps/{app}/secrets': {
      parameters: [appParam],
      get: {
        tags: ['Secrets'],
        summary: 'List the secrets of an app: names, timestamps and the routes that list each (never values)',
        responses: { 200: ok('Secrets', ref('SecretsWrapper')), 404: err('App not found') },
      },
      post: {
        tags: ['Secrets'],
        summary: 'Create a secret (409 when it exists; PUT creates or replaces)',
        description: WRITE_ONLY,
        requestBody: appBody('NewSecretBody'),
        responses: { 200: ok('Created', ref('SecretWrapper')), 409: err('Secret already exists'), ...common, 413: err('Body or secret value too large') },
      },
    },
    '/v1/apps/{app}/secrets/{name}': {
      parameters: [appParam, secretParam],
      get: {
        tags: ['Secrets'],
        summary: "A secret's name, timestamps and the routes that list it (never its value)",
        responses: { 200: ok('Secret', ref('SecretWrapper')), 404: err('App or secret not found') },
      },
      put: {
        tags: ['Secrets'],
        summary: 'Create or replace a secret; the routes that list it roll onto new containers with the new value',
        description: WRITE_ONLY,
        requestBody: appBody('SecretBody'),
        responses: { 200: ok('Created or replaced', ref('SecretWrapper')), ...common, 413: err('Body or secret value too large') },
      },
      delete: {
        tags: ['Secrets'],
        summary: 'Delete a secret no route lists',
        responses: {
          200: ok('Deleted', ref('Message')),
          404: err('App or secret not found'),
          409: err('Secret <name> is used by routes <paths>: remove it from their secrets first'),
        },
      },
    },
    '/v1/routes': {
      get: {
        tags: ['Routes'],
        summary: 'List all routes of all apps',
        parameters: [{ name: 'image', in: 'query', schema: { type: 'string' } }],
        responses: { 200: ok('Routes', ref('RoutesWrapper')) },
      },
    },
    '/r/{app}/{route}': {
      parameters: [appParam, routeParam],
      ...Object.fromEntries(['get', 'post', 'put', 'patch', 'delete'].map((m) => [m, invocation(m.toUpperCase())])),
    },
    '/v1/nodes': {
      get: {
        tags: ['System'],
        summary: 'The gateway nodes sharing this database, alive or recently dead',
        responses: { 200: ok('Nodes', ref('NodesWrapper')) },
      },
    },
    '/v1/stats/timeseries': {
      get: {
        tags: ['System'],
        summary:
          "This node's recent samples (every 5 s, the last 30 min): calls/s, p50/p99, errors by kind, cold starts, hot containers, memory, queue depth; per route",
        description:
          'Kept in memory by each node for itself (a cluster has one series per node: ask each node, GET /v1/nodes lists their addresses). Differences between readings of the Prometheus counters, taken by a timer, never on the call path.',
        parameters: queryParams(timeseriesQuery),
        responses: { 200: ok('Samples', ref('Timeseries')), 400: err('Invalid since') },
      },
    },
    '/ui/session': {
      get: {
        tags: ['Console'],
        summary: 'The web console asks whether a login is needed, and for its session CSRF token',
        description:
          'auth: admin authentication is on; logged_in: the request carries a live console session cookie; csrf: the token the console sends as X-Podfn-Csrf with every /v1 call.',
        responses: { 200: ok('Session', ref('ConsoleSession')) },
      },
    },
    '/ui/login': {
      post: {
        tags: ['Console'],
        summary: 'Console login with the admin token (form field token): sets the HttpOnly, SameSite=Strict session cookie',
        description:
          'The cookie holds a random session id, never the token; it expires after PODFN_CONSOLE_SESSION_MS. /v1 accepts it only with the session CSRF token in X-Podfn-Csrf and an Origin, when sent, of this server. Ten failed logins per client address per minute, then 429.',
        requestBody: {
          required: true,
          content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] } } },
        },
        responses: {
          200: ok('Logged in (Set-Cookie)', ref('ConsoleLogin')),
          400: err('Not a form'),
          401: err('Unauthorized: invalid token'),
          403: err('Cross-origin login'),
          404: err('The admin API is open: no login'),
          429: err('Too many failed logins'),
        },
      },
    },
    '/ui/logout': {
      post: {
        tags: ['Console'],
        summary: 'Ends the console session (needs its X-Podfn-Csrf) and clears the cookie',
        responses: { 200: ok('Logged out', ref('Message')), 403: err('Missing or wrong CSRF token') },
      },
    },
    '/v1/openapi.json': { get: { tags: ['System'], summary: 'This document', responses: { 200: { description: 'OpenAPI 3 document' } } } },
    '/': { get: { tags: ['System'], summary: 'Ping', responses: { 200: ok('hello', ref('Ping')) } } },
    '/version': { get: { tags: ['System'], summary: 'Version', responses: { 200: ok('Version', ref('Version')) } } },
    '/healthz': { get: { tags: ['System'], summary: 'Process is up', responses: { 200: ok('ok', ref('Health')) } } },
    '/readyz': {
      get: { tags: ['System'], summary: 'Database (and runner) ready', responses: { 200: ok('ready', ref('Ready')), 503: ok('not ready', ref('Ready')) } },
    },
    '/metrics': {
      get: {
        tags: ['System'],
        summary: 'Prometheus metrics (open, like the system endpoints)',
        responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    ...queueOpenApiPaths,
  };
}

// One document per limits object (the server has one): converting the schemas is not free.
const documents = new WeakMap<RouteLimits, object>();

/** The document for a server with these route limits (they are the maxima of the route fields). */
export function openApiDocument(limits: RouteLimits) {
  let doc = documents.get(limits);
  if (!doc) {
    doc = {
      openapi: '3.0.3',
      info: {
        title: 'podfn',
        version: VERSION,
        description:
          "IronFunctions-compatible serverless platform (admin API, invocation gateway). Function URLs: a request whose Host is a name a route claims (route `hosts`) is that route's call at any path, as /r/{app}/{route} answers it; a name an app claims (app `hosts`, exact or *.suffix) selects the route by the request path. A claimed host serves only its function (its /v1, /r and system paths included); other hosts are served as documented here.",
      },
      paths: paths(),
      components: { schemas: componentSchemas(components(limits)) },
    };
    documents.set(limits, doc);
  }
  return doc;
}
