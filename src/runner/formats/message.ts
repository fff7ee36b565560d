// The neutral request/response shapes that sit between a format codec (http, json) and a transport
// (Unix socket, seed stdio): a codec turns a CallRequest into a FunctionRequest and a FunctionResponse
// back into client status/headers/body; a transport only moves them. Also the call metadata every hot
// request carries (Fn-* headers), shared by both codecs.
import type { Readable } from 'node:stream';
import type { CallRequest } from '../types.ts';

export interface FunctionRequest {
  method: string;
  /** origin-form target, e.g. `/hello?x=1` or `/call` */
  target: string;
  /** header pairs in wire order; Content-Length is added by the transport */
  headers: Array<[string, string]>;
  body: Buffer;
  /** the body as a stream instead (`body` empty): sent with `bodyLength` as Content-Length, else chunked */
  bodyStream?: Readable;
  bodyLength?: number;
}

export interface FunctionResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

/** What a codec makes of the function's answer for the client. */
export interface ClientReply {
  status: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

/** A function answered something the format does not allow: 502 and the container is closed. */
export class FunctionProtocolError extends Error {
  override readonly name = 'FunctionProtocolError';
}

// Fn-Deadline per call: the date-time up to the second is the same for thousands of calls, so it is
// formatted once per second (a Date and toISOString per call were ~3 us of the hot path)
let isoSecond = NaN;
let isoPrefix = '';

export function rfc3339(epochMs: number): string {
  const ms = epochMs % 1000;
  const second = epochMs - ms;
  if (!Number.isSafeInteger(epochMs) || epochMs < 0 || epochMs > 253402300799999) return new Date(epochMs).toISOString();
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second).toISOString().slice(0, 20); // YYYY-MM-DDTHH:MM:SS.
  }
  return `${isoPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/** A URL whose path and query `new URL` would return unchanged: no dot segments, nothing to escape or normalise. */
const PLAIN_URL = /^https?:\/\/[^/?#\\@]*(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*)(\?[A-Za-z0-9\-._~!$&()*+,;=:@%/?]*)?$/;
const DOT_SEGMENT = /\/(\.|%2e)/i;

/**
 * The route-relative URL of the call: the path after `/r/<app>` plus the query, e.g. `/hello?x=1`.
 * `/r/<app>` may follow a base path (PODFN_PUBLIC_URL=https://host/fn gives /fn/r/<app>/...). Falls
 * back to the route path when the client URL is not under `/r/<app>` (async calls, other mounts). A call
 * that came in on a Function URL (a host name its route claims) carries its own target instead.
 */
export function routeRelativeUrl(call: CallRequest): string {
  if (call.target !== undefined) return call.target;
  // the common URL needs no parser (a URL object per call was ~5 us of the hot path)
  const plain = PLAIN_URL.exec(call.url);
  let pathname: string;
  let search: string;
  if (plain && !DOT_SEGMENT.test(plain[1]!)) {
    pathname = plain[1]!;
    search = plain[2] === undefined || plain[2] === '?' ? '' : plain[2];
  } else {
    const u = new URL(call.url, 'http://localhost');
    pathname = u.pathname;
    search = u.search;
  }
  const prefix = `/r/${encodeURIComponent(call.fn.appName)}/`;
  const at = pathname.indexOf(prefix);
  const path = at >= 0 ? pathname.slice(at + prefix.length - 1) : call.fn.path;
  return path + search;
}

const TOKEN_UNSAFE = /[^!#$%&'*+.^_`|~0-9A-Za-z-]/g;

/**
 * Header values must not break the framing or node's header check: control characters and
 * characters beyond Latin-1 (e.g. from decoded path params) are percent-encoded.
 */
export function headerSafe(v: string): string {
  if (/^[\t\x20-\x7e\x80-\xff]*$/.test(v)) return v;
  return v.replace(/[^\t\x20-\x7e\x80-\xff]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '?'; // lone surrogate
    }
  });
}

/** `Fn-*` call metadata headers (fn's published names plus app/route/params). */
export function callMetaHeaders(call: CallRequest): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['Fn-Call-Id', headerSafe(call.id)],
    ['Fn-Deadline', rfc3339(call.deadline)],
    ['Fn-Method', headerSafe(call.method)],
    ['Fn-Request-Url', headerSafe(call.url)],
    ['Fn-App-Name', headerSafe(call.fn.appName)],
    ['Fn-Route', headerSafe(call.fn.path)],
  ];
  for (const [name, value] of Object.entries(call.params)) {
    const safe = name.replace(TOKEN_UNSAFE, '_');
    if (safe) out.push([`Fn-Param-${safe}`, headerSafe(value)]);
  }
  return out;
}
