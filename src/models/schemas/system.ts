// The answers every part of the API shares (errors, plain messages) and the system endpoints' answers.
import { z } from 'zod';

/** Every error: {"error":{"message":...}}. */
export const errorBody = z.object({ error: z.object({ message: z.string() }) });
export const messageAnswer = z.object({ message: z.string() });

/** /r on an async route: the call was queued. */
export const callAccepted = z.object({ call_id: z.string().meta({ description: 'GET /v1/apps/{app}/calls/{call} follows it' }) });

export const pingAnswer = z.object({ hello: z.string(), goto: z.string(), podfn: z.string() });
export const versionAnswer = z.object({ version: z.string() });
export const healthAnswer = z.object({ status: z.literal('ok') });

const check = z.object({ ok: z.boolean(), detail: z.unknown().optional() });
export const readyAnswer = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), check).meta({ description: 'database, and the runner when one is configured; a failing check makes the answer 503' }),
});

export const nodeJson = z.object({
  id: z.string(),
  address: z.string(),
  version: z.string(),
  pid: z.number().int(),
  started_at: z.iso.datetime(),
  last_heartbeat: z.iso.datetime(),
  alive: z.boolean(),
  hot_containers: z.number().int().nonnegative(),
  inflight: z.number().int().nonnegative(),
  self: z.boolean().meta({ description: 'true on the node that answered' }),
});
export const nodesAnswer = z.object({ message: z.string(), nodes: z.array(nodeJson) });
