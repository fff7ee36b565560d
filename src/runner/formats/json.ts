// `json` format codec (pure): the call travels as one JSON envelope (`POST /call`), the function answers
// HTTP 200 with a JSON object describing the client response. Bodies that are not valid UTF-8 travel
// base64-encoded both ways (`body_encoding`). A reply that is not such an object is a protocol error:
// 502 `invalid json response from function: ...` and the container is closed.
import { isUtf8 } from 'node:buffer';
import type { CallRequest } from '../types.ts';
import { clientResponseHeaders, functionRequestHeaders } from './hop-by-hop.ts';
import { FunctionProtocolError, rfc3339, type ClientReply, type FunctionRequest, type FunctionResponse } from './message.ts';

export interface JsonEnvelope {
  call_id: string;
  deadline: string;
  method: string;
  request_url: string;
  headers: Record<string, string[]>;
  params: Record<string, string>;
  content_type: string;
  body: string;
  body_encoding: 'utf8' | 'base64';
  protocol: { type: 'http'; method: string; request_url: string; headers: Record<string, string[]> };
}

export function encodeBody(body: Buffer): { body: string; body_encoding: 'utf8' | 'base64' } {
  return isUtf8(body) ? { body: body.toString('utf8'), body_encoding: 'utf8' } : { body: body.toString('base64'), body_encoding: 'base64' };
}

export function buildEnvelope(call: CallRequest): JsonEnvelope {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of functionRequestHeaders(call.headers)) (headers[name] ??= []).push(value);
  const method = call.method.toUpperCase();
  return {
    call_id: call.id,
    deadline: rfc3339(call.deadline),
    method,
    request_url: call.url,
    headers,
    params: { ...call.params },
    content_type: call.headers['content-type']?.[0] ?? '',
    ...encodeBody(call.body),
    protocol: { type: 'http', method, request_url: call.url, headers },
  };
}

export function encodeJsonRequest(call: CallRequest): FunctionRequest {
  return {
    method: 'POST',
    target: '/call',
    headers: [
      ['Content-Type', 'application/json'],
      ['Fn-Call-Id', call.id],
      ['Fn-Deadline', rfc3339(call.deadline)],
    ],
    body: Buffer.from(JSON.stringify(buildEnvelope(call)), 'utf8'),
  };
}

function invalid(why: string): FunctionProtocolError {
  return new FunctionProtocolError(`invalid json response from function: ${why}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function statusOf(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null || v === 0) return undefined; // fn treated 0 as "unset"
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 200 || v > 599) throw invalid(`${where} must be an integer 200-599`);
  return v;
}

/** Header map `{name: [v] | v}` into pairs; later maps replace earlier ones name by name. */
function mergeHeaders(...maps: unknown[]): Array<[string, string]> {
  const merged = new Map<string, Array<[string, string]>>();
  for (const map of maps) {
    if (map === undefined || map === null) continue;
    if (!isObject(map)) throw invalid('headers must be an object');
    for (const [name, raw] of Object.entries(map)) {
      const values = Array.isArray(raw) ? raw : [raw];
      const pairs: Array<[string, string]> = [];
      for (const v of values) {
        if (typeof v !== 'string' && typeof v !== 'number') throw invalid(`header ${name} must be a string or string array`);
        pairs.push([name, String(v)]);
      }
      merged.set(name.toLowerCase(), pairs);
    }
  }
  return [...merged.values()].flat();
}

function bodyOf(obj: Record<string, unknown>): Buffer {
  const { body, body_encoding: enc } = obj;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (enc !== undefined && enc !== 'utf8' && enc !== 'base64') throw invalid('body_encoding must be "utf8" or "base64"');
  if (typeof body !== 'string') {
    if (enc === 'base64') throw invalid('base64 body must be a string');
    return Buffer.from(JSON.stringify(body), 'utf8'); // lenient: a JSON value is sent serialised
  }
  return enc === 'base64' ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
}

export function decodeJsonResponse(res: FunctionResponse): ClientReply {
  if (res.status < 200 || res.status > 299) throw invalid(`function answered HTTP ${res.status}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body.toString('utf8'));
  } catch (err) {
    throw invalid((err as Error).message);
  }
  if (!isObject(parsed)) throw invalid('expected a JSON object');
  const protocol = parsed.protocol ?? {};
  if (!isObject(protocol)) throw invalid('protocol must be an object');
  const status = statusOf(parsed.status_code, 'status_code') ?? statusOf(protocol.status_code, 'protocol.status_code') ?? 200;
  let headers = mergeHeaders(protocol.headers, parsed.headers);
  const ct = parsed.content_type;
  if (ct !== undefined && ct !== null && ct !== '') {
    if (typeof ct !== 'string') throw invalid('content_type must be a string');
    headers = [...headers.filter(([n]) => n.toLowerCase() !== 'content-type'), ['Content-Type', ct]];
  }
  return { status, headers: clientResponseHeaders(headers), body: bodyOf(parsed) };
}
