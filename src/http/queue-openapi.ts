// OpenAPI 3 fragment of the calls, tasks and queue endpoints, for src/http/openapi.ts to merge:
// `paths: { ...seedPaths, ...queueOpenApiPaths }` and `schemas: { ...seedSchemas, ...queueOpenApiSchemas }`.
// Pure data.
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const err = (description: string) => ({ description, ...json(ref('Error')) });
const ok = (description: string, schema: object) => ({ description, ...json(schema) });
const appParam = { name: 'app', in: 'path', required: true, schema: { type: 'string' } };
const callParam = { name: 'call', in: 'path', required: true, schema: { type: 'string' }, description: 'call id (UUIDv7)' };
const q = (name: string, description: string, schema: object = { type: 'string' }) => ({ name, in: 'query', description, schema });
const taskBody = { required: true, ...json({ oneOf: [ref('TaskReport'), { type: 'object', properties: { task: ref('TaskReport') } }] }) };

export const queueOpenApiPaths = {
  '/v1/apps/{app}/calls': {
    parameters: [appParam],
    get: {
      tags: ['Calls'],
      summary: 'List calls (sync and async), newest first',
      parameters: [
        q('path', 'route path (alias: route)'),
        q('status', 'queued|running|success|error|timeout|cancelled'),
        q('from_time', 'created at or after: unix seconds or RFC 3339'),
        q('to_time', 'created at or before: unix seconds or RFC 3339'),
        q('per_page', '1..100, default 30', { type: 'integer' }),
        q('cursor', 'next_cursor of the previous page'),
      ],
      responses: { 200: ok('Calls', ref('CallsWrapper')), 400: err('Invalid filter'), 404: err('App not found') },
    },
  },
  '/v1/apps/{app}/calls/{call}': {
    parameters: [appParam, callParam],
    get: { tags: ['Calls'], summary: 'Get a call', responses: { 200: ok('Call', ref('CallWrapper')), 404: err('App not found / Call not found') } },
    delete: {
      tags: ['Calls'],
      summary: 'Cancel a queued async call (status cancelled, reason client_request)',
      responses: { 200: ok('Cancelled', ref('CallWrapper')), 404: err('App not found / Call not found'), 409: err('Call cannot be cancelled (running or ended)') },
    },
  },
  '/v1/apps/{app}/calls/{call}/log': {
    parameters: [appParam, callParam],
    get: {
      tags: ['Calls'],
      summary: "The call's stderr (capped); text/plain when Accept asks for it",
      responses: {
        200: { description: 'Log', content: { 'application/json': { schema: ref('LogWrapper') }, 'text/plain': { schema: { type: 'string' } } } },
        404: err('App not found / Call log not found'),
      },
    },
    delete: { tags: ['Calls'], summary: 'Delete the log', responses: { 202: ok('Log delete accepted', ref('Message')), 404: err('Call not found') } },
  },
  '/tasks': {
    get: {
      tags: ['Tasks'],
      summary: 'Reserve the next queued tasks (running, started_at set; never handed to two consumers). Also /v1/tasks.',
      parameters: [q('n', '1..100. Absent: one bare task or null (the seed shape); present: {"tasks":[...]}', { type: 'integer' })],
      responses: { 202: ok('Task, null, or {"tasks":[...]}', { oneOf: [ref('Task'), { type: 'object', properties: { tasks: { type: 'array', items: ref('Task') } } }] }), 400: err('Invalid n') },
    },
    delete: {
      tags: ['Tasks'],
      summary: 'Acknowledge a reserved task; report its outcome (status, reason, error, log) or nothing (success). Also /v1/tasks.',
      requestBody: taskBody,
      responses: { 202: ok('The task as recorded', ref('Task')), 400: err('Invalid task'), 404: err('Task not found'), 409: err('Task not reserved / reservation expired') },
    },
  },
  '/v1/queue': { get: { tags: ['Tasks'], summary: 'Queue depth, running calls, worker and recorder state', responses: { 200: { description: 'Queue state' } } } },
};

const time = { type: 'string', format: 'date-time' };
const statusEnum = { type: 'string', enum: ['queued', 'running', 'success', 'error', 'timeout', 'cancelled'] };
const reasonEnum = { type: 'string', enum: ['timeout', 'killed', 'bad_exit', 'client_request'] };

export const queueOpenApiSchemas = {
  Call: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      app_name: { type: 'string' },
      path: { type: 'string' },
      image: { type: 'string' },
      type: { type: 'string', enum: ['sync', 'async'] },
      format: { type: 'string' },
      status: statusEnum,
      reason: reasonEnum,
      error: { type: 'string' },
      method: { type: 'string' },
      status_code: { type: 'integer' },
      attempts: { type: 'integer' },
      max_attempts: { type: 'integer' },
      node_id: { type: 'string' },
      created_at: time,
      started_at: time,
      completed_at: time,
      retry_at: { ...time, description: 'a queued call backing off before its next attempt' },
    },
  },
  CallWrapper: { type: 'object', properties: { message: { type: 'string' }, call: ref('Call') } },
  CallsWrapper: { type: 'object', properties: { message: { type: 'string' }, next_cursor: { type: 'string', nullable: true }, calls: { type: 'array', items: ref('Call') } } },
  LogWrapper: { type: 'object', properties: { message: { type: 'string' }, log: { type: 'object', properties: { call_id: { type: 'string' }, log: { type: 'string' } } } } },
  Task: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      app_name: { type: 'string' },
      path: { type: 'string' },
      image: { type: 'string' },
      format: { type: 'string' },
      memory: { type: 'integer' },
      timeout: { type: 'integer' },
      priority: { type: 'integer' },
      status: statusEnum,
      payload: { type: 'string' },
      payload_encoding: { type: 'string', enum: ['base64'] },
      env_vars: { type: 'object', additionalProperties: { type: 'string' } },
      method: { type: 'string' },
      request_url: { type: 'string' },
      attempts: { type: 'integer' },
      max_retries: { type: 'integer' },
      created_at: time,
      started_at: time,
      completed_at: time,
      reservation: { type: 'string' },
      reserved_until: time,
      reason: reasonEnum,
      error: { type: 'string' },
    },
  },
  TaskReport: {
    type: 'object',
    required: ['id'],
    properties: {
      id: { type: 'string' },
      reservation: { type: 'string' },
      status: { type: 'string', enum: ['running', 'success', 'error', 'timeout', 'cancelled'], description: 'absent or running: success' },
      reason: reasonEnum,
      error: { type: 'string' },
      status_code: { type: 'integer' },
      log: { type: 'string' },
    },
  },
};
