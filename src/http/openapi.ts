// The OpenAPI 3 document of podfn's HTTP API, served at GET /v1/openapi.json. Seed paths keep the
// seed swagger's shapes; podfn's extensions (calls, logs, health) are listed alongside.
import { VERSION } from '../version.ts';
import { queueOpenApiPaths, queueOpenApiSchemas } from './queue-openapi.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(ref('Error')) });
const ok = (description: string, schema: object) => ({ description, ...json(schema) });
const appParam = { name: 'app', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,30}$' } };
const routeParam = {
  name: 'route',
  in: 'path',
  required: true,
  description: 'Route path; its slashes may be sent raw (/v1/apps/a/routes/hello/world) or encoded (%2Fhello%2Fworld)',
  schema: { type: 'string' },
};
/** config keys become environment variables; the rule of src/models/config-map.ts */
const CONFIG_RULE =
  'string values; a key set becomes an env var (upper-cased, - -> _): letters, digits, _ and -, not PATH, LD_*, FN_*, HEADER_*, PARAM_* or the names podfn sets (APP_NAME, ROUTE, FORMAT, MEMORY_MB, METHOD, REQUEST_URL, CALL_ID, TASK_ID), and no two keys of one map may give the same variable (400 naming the key); "" removes a key';
const common = { 400: err('Invalid input'), 413: err('Body too large'), 503: err('Database unavailable'), default: err('Unexpected error') };

export function openApiDocument() {
  return {
    openapi: '3.0.3',
    info: { title: 'podfn', version: VERSION, description: 'IronFunctions-compatible serverless platform (admin API, invocation gateway).' },
    paths: {
      '/v1/apps': {
        get: { tags: ['Apps'], summary: 'List apps', responses: { 200: ok('Apps', ref('AppsWrapper')) } },
        post: {
          tags: ['Apps'],
          summary: 'Create an app',
          requestBody: { required: true, ...json(ref('AppWrapper')) },
          responses: { 200: ok('Created', ref('AppWrapper')), 409: err('App already exists'), ...common },
        },
      },
      '/v1/apps/{app}': {
        parameters: [appParam],
        get: { tags: ['Apps'], summary: 'Get an app', responses: { 200: ok('App', ref('AppWrapper')), 404: err('App not found') } },
        put: {
          tags: ['Apps'],
          summary: 'Update app config (merge; a key set to "" is removed)',
          requestBody: { required: true, ...json(ref('AppWrapper')) },
          responses: { 200: ok('Updated', ref('AppWrapper')), 404: err('App not found'), ...common },
        },
        patch: {
          tags: ['Apps'],
          summary: 'Same as PUT',
          requestBody: { required: true, ...json(ref('AppWrapper')) },
          responses: { 200: ok('Updated', ref('AppWrapper')), 404: err('App not found'), ...common },
        },
        delete: { tags: ['Apps'], summary: 'Delete an app without routes', responses: { 200: ok('Deleted', ref('Message')), 400: err('Cannot remove apps with routes'), 404: err('App not found') } },
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
          requestBody: { required: true, ...json(ref('RouteWrapper')) },
          responses: { 200: ok('Created', ref('RouteWrapper')), 409: err('Route already exists'), ...common },
        },
      },
      '/v1/apps/{app}/routes/{route}': {
        parameters: [appParam, routeParam],
        get: { tags: ['Routes'], summary: 'Get a route', responses: { 200: ok('Route', ref('RouteWrapper')), 404: err('App or route not found') } },
        put: {
          tags: ['Routes'],
          summary: 'Create or update a route (upsert; fields merged; path immutable)',
          requestBody: { required: true, ...json(ref('RouteWrapper')) },
          responses: { 200: ok('Updated', ref('RouteWrapper')), ...common },
        },
        patch: {
          tags: ['Routes'],
          summary: 'Update an existing route (fields merged)',
          requestBody: { required: true, ...json(ref('RouteWrapper')) },
          responses: { 200: ok('Updated', ref('RouteWrapper')), 404: err('App or route not found'), ...common },
        },
        delete: { tags: ['Routes'], summary: 'Delete a route', responses: { 200: ok('Deleted', ref('Message')), 404: err('Route not found') } },
      },
      '/v1/routes': { get: { tags: ['Routes'], summary: 'List all routes of all apps', responses: { 200: ok('Routes', ref('RoutesWrapper')) } } },
      '/r/{app}/{route}': {
        parameters: [appParam, routeParam],
        post: {
          tags: ['Invocation'],
          summary: 'Call a function (any method). Sync: the function output; async: 202 {"call_id"}',
          responses: {
            200: { description: 'Function output (default format) or the function response (http/json)' },
            202: ok('Async call accepted', { type: 'object', properties: { call_id: { type: 'string' } } }),
            404: err('App not found / Route not found'),
            413: err('Body too large'),
            502: err('Function failed (bad exit, crash, invalid response, output too large)'),
            503: err('Runner unavailable, no memory or hot queue full'),
            504: err('Timed out'),
          },
        },
      },
      '/': { get: { tags: ['System'], summary: 'Ping', responses: { 200: { description: 'hello' } } } },
      '/version': { get: { tags: ['System'], summary: 'Version', responses: { 200: ok('Version', { type: 'object', properties: { version: { type: 'string' } } }) } } },
      '/healthz': { get: { tags: ['System'], summary: 'Process is up', responses: { 200: { description: 'ok' } } } },
      '/readyz': { get: { tags: ['System'], summary: 'Database (and runner) ready', responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } } } },
      ...queueOpenApiPaths,
    },
    components: {
      schemas: {
        Error: { type: 'object', properties: { error: { type: 'object', properties: { message: { type: 'string' } } } } },
        Message: { type: 'object', properties: { message: { type: 'string' } } },
        App: {
          type: 'object',
          properties: {
            name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,30}$' },
            config: { type: 'object', additionalProperties: { type: 'string' }, description: CONFIG_RULE },
          },
        },
        AppWrapper: { type: 'object', required: ['app'], properties: { message: { type: 'string' }, app: ref('App') } },
        AppsWrapper: { type: 'object', required: ['apps'], properties: { message: { type: 'string' }, apps: { type: 'array', items: ref('App') } } },
        Route: {
          type: 'object',
          properties: {
            app_name: { type: 'string', readOnly: true },
            path: { type: 'string', description: 'absolute; no .., //, :, control characters' },
            image: { type: 'string' },
            headers: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } }, description: 'response headers; left out when empty' },
            memory: { type: 'integer', default: 128, description: 'MiB' },
            type: { type: 'string', enum: ['sync', 'async'], default: 'sync' },
            format: { type: 'string', enum: ['default', 'http', 'json'], default: 'default' },
            max_concurrency: { type: 'integer', minimum: 0, description: 'hot containers per route on a node; 0 = server default' },
            timeout: { type: 'integer', default: 30, description: 'seconds per call' },
            idle_timeout: { type: 'integer', default: 30, description: 'seconds a hot container may stay idle' },
            config: { type: 'object', additionalProperties: { type: 'string' }, description: CONFIG_RULE },
            jwt_key: { type: 'string', writeOnly: true, maxLength: 512, description: 'HS256 key of at least 32 bytes: /r calls need `Authorization: Bearer <JWT signed with it>`; "" removes it; never returned' },
            jwt_protected: { type: 'boolean', readOnly: true, description: 'present (true) when the route has a jwt_key' },
            jwt_key_weak: { type: 'boolean', readOnly: true, description: 'present (true) when the route\'s jwt_key is shorter than 32 bytes (stored before that rule; it still works: replace it)' },
          },
        },
        RouteWrapper: { type: 'object', required: ['route'], properties: { message: { type: 'string' }, route: ref('Route') } },
        RoutesWrapper: { type: 'object', required: ['routes'], properties: { message: { type: 'string' }, routes: { type: 'array', items: ref('Route') } } },
        ...queueOpenApiSchemas,
      },
    },
  };
}
