// `http` format codec (pure): the client's request goes to the function as an HTTP/1.1 request (method,
// route-relative URL, headers minus hop-by-hop plus Fn-* metadata, body); the function's status,
// headers (minus hop-by-hop) and body come back unchanged. Seed-era `Task-Id` is added by the stdio
// transport, not here.
import type { CallRequest } from '../types.ts';
import { clientResponseHeaders, functionRequestHeaders } from './hop-by-hop.ts';
import { callMetaHeaders, FunctionProtocolError, routeRelativeUrl, type ClientReply, type FunctionRequest, type FunctionResponse } from './message.ts';

export function encodeHttpRequest(call: CallRequest): FunctionRequest {
  return {
    method: call.method.toUpperCase(),
    target: routeRelativeUrl(call),
    headers: [...functionRequestHeaders(call.headers), ...callMetaHeaders(call)],
    body: call.body,
    bodyStream: call.bodyStream,
    bodyLength: call.bodyLength,
  };
}

/**
 * Only final statuses 200-599 go to the client. A 1xx would be relayed as an interim response on the
 * client's keep-alive connection (101 Switching Protocols: what a proxy in front then treats as a
 * tunnel, the request smuggling pattern); 600-999 is no HTTP status. Either is a protocol error of the
 * call (502 naming it; the container is replaced), as the `json` format's status_code rule.
 */
export function decodeHttpResponse(res: FunctionResponse): ClientReply {
  return { status: checkStatus(res.status), headers: clientResponseHeaders(res.headers), body: res.body };
}

/** The head of a streamed answer, by the same rules: status 200-599, headers minus hop-by-hop. */
export function decodeHttpHead(status: number, headers: Array<[string, string]>): { status: number; headers: Array<[string, string]> } {
  return { status: checkStatus(status), headers: clientResponseHeaders(headers) };
}

function checkStatus(status: number): number {
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new FunctionProtocolError(`function answered with invalid status ${status} (allowed: 200-599)`);
  }
  return status;
}
