// src/cluster: what several gateway nodes sharing one database need to work as one. This file: how
// they know about each other. Each node upserts its row in `nodes` on a heartbeat (id, address,
// version, started, hot containers, calls in flight); GET /v1/nodes lists them, with `alive` = heard
// from within three heartbeats. A clean stop removes the row; a crashed node stays listed as dead for
// a day. cache-sync.ts keeps every node's route cache coherent; claims of async calls are atomic in
// store/queue.ts.
// May import: store, gateway (the route cache it keeps coherent), log (types), node built-ins.
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../store/db.ts';
import { getNode, listNodes, pruneNodes, removeNode, upsertNode, type NodeRecord } from '../store/cluster.ts';
import type { Logger } from '../log.ts';

export interface NodeIdentity {
  id: string;
  /** where other nodes / operators reach it (PODFN_ADVERTISE_URL) */
  address: string;
  version: string;
}

export interface NodeLoad {
  hotContainers: number;
  inflight: number;
}

export interface NodeView {
  id: string;
  address: string;
  version: string;
  pid: number;
  started_at: string;
  last_heartbeat: string;
  alive: boolean;
  hot_containers: number;
  inflight: number;
  /** true on the node that answered */
  self: boolean;
}

const DEAD_ROWS_KEPT_MS = 24 * 3600_000;

export class NodeRegistry {
  readonly instance = randomBytes(8).toString('hex');
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly db: Queryable,
    private readonly me: NodeIdentity,
    private readonly load: () => NodeLoad,
    private readonly log: Logger,
    private readonly heartbeatMs: number,
  ) {}

  /** Registers this node (warning when another live process already uses its id) and starts beating. */
  async start(): Promise<void> {
    const other = await getNode(this.db, this.me.id);
    if (other && other.instance !== this.instance && this.alive(other, Date.now())) {
      // Same id, heard from recently: a restart after a crash, or a second gateway with the same id.
      // The latter would remove the other's containers as strays: say so loudly.
      this.log.warn(
        { node: this.me.id, otherAddress: other.address, otherPid: other.pid },
        'another gateway registered this node id recently; if it is still running, give each node its own PODFN_NODE_ID',
      );
    }
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
  }

  /** Leaves the registry (clean shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await removeNode(this.db, this.me.id, this.instance).catch(() => undefined);
  }

  async list(): Promise<NodeView[]> {
    const now = Date.now();
    return (await listNodes(this.db)).map((n) => ({
      id: n.id,
      address: n.address,
      version: n.version,
      pid: n.pid,
      started_at: new Date(n.startedAt).toISOString(),
      last_heartbeat: new Date(n.heartbeatAt).toISOString(),
      alive: this.alive(n, now),
      hot_containers: n.hotContainers,
      inflight: n.inflight,
      self: n.id === this.me.id && n.instance === this.instance,
    }));
  }

  private alive(n: NodeRecord, now: number): boolean {
    return now - n.heartbeatAt <= 3 * this.heartbeatMs;
  }

  private async beat(): Promise<void> {
    const now = Date.now();
    const load = this.load();
    try {
      await upsertNode(this.db, {
        id: this.me.id,
        instance: this.instance,
        address: this.me.address,
        version: this.me.version,
        pid: process.pid,
        startedAt: this.startedAt,
        heartbeatAt: now,
        hotContainers: load.hotContainers,
        inflight: load.inflight,
      });
      await pruneNodes(this.db, now - DEAD_ROWS_KEPT_MS);
      if (this.failing) this.log.info({}, 'node heartbeat recovered');
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.log.warn({ err: (e as Error).message }, 'node heartbeat failed; retrying');
      this.failing = true;
    }
  }
}
