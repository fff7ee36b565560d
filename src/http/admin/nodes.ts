// GET /v1/nodes: the gateway nodes sharing this database (cluster/node-registry.ts), alive or
// recently dead. {"message","nodes":[{id,address,version,pid,started_at,last_heartbeat,alive,
// hot_containers,inflight,self}]}.
import { Hono } from 'hono';
import type { NodeView } from '../../cluster/node-registry.ts';

export interface NodesApiDeps {
  list(): Promise<NodeView[]>;
}

export function nodesApi(deps: NodesApiDeps) {
  const api = new Hono();
  api.get('/', async (c) => c.json({ message: 'Nodes successfully listed', nodes: await deps.list() }));
  return api;
}
