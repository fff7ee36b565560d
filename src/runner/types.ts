// Types shared by the runner's parts and its callers (gateway, async queue).
// Pure declarations: no I/O, no imports beyond node types.
import type { Readable, Writable } from 'node:stream';

/** Route fields that decide how a function runs. A snapshot: a route update makes a new one. */
export interface FunctionSpec {
  appName: string;
  path: string;
  image: string;
  /** MiB */
  memory: number;
  format: 'default' | 'http' | 'json';
  /** seconds, per call */
  timeout: number;
  /** seconds a hot container may stay idle before it is reaped */
  idleTimeout: number;
  /** hot containers per route on this node; 0 = server default */
  maxConcurrency: number;
  /** app config then route config merged (route wins), keys as given */
  config: Record<string, string>;
  /**
   * The route's secrets, written as read-only files /run/secrets/<name> (never environment). A value
   * is reached only through value(), so a spec printed or logged (JSON, util.inspect) shows no value.
   */
  secrets?: readonly SecretFile[];
  /** changes whenever one of the secrets is replaced: part of the hot pool key, so replacing rolls the containers */
  secretsVersion?: string;
}

/** One secret file of a function container. value() throws when the gateway cannot provide it. */
export interface SecretFile {
  name: string;
  value(): Buffer;
}

/** One invocation, as the gateway or the queue hands it to the runner. */
export interface CallRequest {
  id: string;
  fn: FunctionSpec;
  method: string;
  /** full request URL as the client sent it, e.g. http://host:8080/r/app/hello?x=1 */
  url: string;
  /** request headers, lower-case names, several values kept */
  headers: Record<string, string[]>;
  body: Buffer;
  /**
   * The body as a stream instead (hot `http` calls of the gateway whose body is large or still
   * arriving): `body` is then empty. It enforces the size cap and deadline itself, erroring the stream.
   */
  bodyStream?: Readable;
  /** the client's Content-Length for bodyStream, when it sent one */
  bodyLength?: number;
  /** hot `http` calls of the gateway: the answer streams here as the function writes it */
  sink?: ResponseSink;
  /** path params (`/users/:id` -> {id: "42"}) */
  params: Record<string, string>;
  /** the target the http format sends when it is not /r's route-relative one: a Function URL call's own path and query */
  target?: string;
  /** epoch ms after which the call is timed out (timeout counted from submission) */
  deadline: number;
  /** aborted when the client goes away or the server shuts down */
  signal?: CallSignal;
}

export type CallStatus = 'success' | 'error' | 'timeout';
export type CallReason = 'timeout' | 'killed' | 'bad_exit' | 'oom';

/** Where a streamed answer goes: the gateway's response to its client. */
export interface ResponseSink {
  /**
   * The function's status and headers, after the codec's checks; `length` is the function's own
   * Content-Length when it sent one (else the client gets it chunked). Returns where the body goes;
   * the runner ends it, or destroys it when the answer is cut short (cap, timeout, crash).
   */
  start(status: number, headers: Array<[string, string]>, length: number | undefined): Writable;
}

/** What the runner reports. The runner never throws for function faults: it returns them here. */
export interface CallResult {
  /** HTTP status for the client: 200 ok, function status for http/json formats, 502/503/504 on faults */
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
  /** the call's log (stderr for cold; stderr lines seen during the call for hot), capped */
  log: Buffer;
  outcome: CallStatus;
  reason?: CallReason;
  /** human message for faults; becomes {"error":{"message":...}} */
  error?: string;
  /** true when the fault is the platform's (Podman down, start-up timeout, no memory): safe to retry */
  platformError?: boolean;
  /** timing, ms */
  startedAt?: number;
  completedAt?: number;
  /** true when a new container was started for this call */
  coldStart?: boolean;
  /** the route's own hot capacity and queue are exhausted: the gateway answers 429 with Retry-After */
  throttled?: boolean;
  /**
   * The answer went to the call's sink as it came (head and body, or the head and a cut-short body):
   * the gateway must not answer again. `status` is then the status sent, or the fault (502, 504, 499)
   * when the answer was cut short, with `error` saying why.
   */
  streamed?: boolean;
}

/** A hot container as the pool sees it: the tiny slot interface of fn's agent. */
export interface Slot {
  readonly id: string;
  exec(call: CallRequest): Promise<CallResult>;
  /** kill and remove; idempotent */
  close(reason?: string): Promise<void>;
  /** false once the container died or was marked unusable (crash, timeout, protocol error) */
  readonly healthy: boolean;
}

/**
 * The call's cancellation (the client went away): what the runner uses of an AbortSignal, so a real
 * one fits, and the gateway can hand in a lighter one (an AbortController per call was ~9 us of the hot
 * path: its signal is an EventTarget). Contract: `aborted` turns true once; each listener added before
 * that runs once then; one added after never runs (check `aborted` first, as with an AbortSignal).
 */
export interface CallSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
