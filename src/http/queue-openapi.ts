// OpenAPI 3 fragment of the calls, tasks and queue endpoints, for src/http/openapi.ts to merge: the
// paths here, the schemas from src/models/schemas/queue.ts (`queueComponents`, by component name).
// Also proves at compile time that the answers src/queue builds fit those schemas.
import type { z } from 'zod';
import {
  callJson,
  callAnswer,
  callsAnswer,
  logAnswer,
  taskJson,
  ackedTaskJson,
  reserveAnswer,
  queueAnswer,
  taskReportBody,
  callsQuery,
  tasksN,
} from '../models/schemas/queue.ts';
import type { Conforms } from '../models/schemas/kit.ts';
import type { CallJson, TaskJson, ackedTaskJson as ackedTaskJsonFn } from '../queue/json.ts';
import type { QueueStats } from '../queue/index.ts';
import type { TaskReport } from '../queue/tasks.ts';
import { appParam, err, json, ok, queryParams, ref } from './openapi-kit.ts';

// The answers as src/queue builds them are what these schemas say (a field added there fails here).
export type QueueShapes = [
  Conforms<CallJson, z.input<typeof callJson>>,
  Conforms<TaskJson, z.input<typeof taskJson>>,
  Conforms<ReturnType<typeof ackedTaskJsonFn>, z.input<typeof ackedTaskJson>>,
  Conforms<QueueStats, z.input<typeof queueAnswer>['queue']>,
  Conforms<z.output<typeof taskReportBody>, TaskReport>,
];

export const queueComponents = {
  Call: callJson,
  CallWrapper: callAnswer,
  CallsWrapper: callsAnswer,
  LogWrapper: logAnswer,
  Task: taskJson,
  AckedTask: ackedTaskJson,
  Reserved: reserveAnswer,
  TaskReport: taskReportBody,
  QueueWrapper: queueAnswer,
};

const callParam = { name: 'call', in: 'path', required: true, schema: { type: 'string' }, description: 'call id (UUIDv7)' };

const reserve = {
  tags: ['Tasks'],
  summary: 'Reserve the next queued tasks (running, started_at set; never handed to two consumers)',
  parameters: queryParams({ n: tasksN }),
  responses: { 202: ok('Task, null, or {"tasks":[...]}', ref('Reserved')), 400: err('Invalid n') },
};
const ack = {
  tags: ['Tasks'],
  summary: 'Acknowledge a reserved task; report its outcome (status, reason, error, log) or nothing (success)',
  requestBody: { required: true, ...json(ref('TaskReport')) },
  responses: {
    202: ok('The task as recorded', ref('AckedTask')),
    400: err('Invalid task'),
    404: err('Task not found'),
    409: err('Task not reserved / reservation expired'),
  },
};

export const queueOpenApiPaths = {
  '/v1/apps/{app}/calls': {
    parameters: [appParam],
    get: {
      tags: ['Calls'],
      summary: 'List calls (sync and async), newest first',
      parameters: queryParams(callsQuery),
      responses: { 200: ok('Calls', ref('CallsWrapper')), 400: err('Invalid filter'), 404: err('App not found') },
    },
  },
  '/v1/apps/{app}/calls/{call}': {
    parameters: [appParam, callParam],
    get: { tags: ['Calls'], summary: 'Get a call', responses: { 200: ok('Call', ref('CallWrapper')), 404: err('App not found / Call not found') } },
    delete: {
      tags: ['Calls'],
      summary: 'Cancel a queued async call (status cancelled, reason client_request)',
      responses: {
        200: ok('Cancelled', ref('CallWrapper')),
        404: err('App not found / Call not found'),
        409: err('Call cannot be cancelled (running or ended)'),
      },
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
  '/tasks': { get: reserve, delete: ack },
  '/v1/tasks': { get: { ...reserve, summary: `${reserve.summary}; same as /tasks` }, delete: { ...ack, summary: `${ack.summary}; same as /tasks` } },
  '/v1/queue': {
    get: {
      tags: ['Tasks'],
      summary: 'Queue depth, running calls, worker and recorder state',
      responses: { 200: ok('Queue state', ref('QueueWrapper')), 404: err('No queue on this server') },
    },
  },
};
