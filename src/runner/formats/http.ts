// `http` format codec (pure): the client's request goes to the function as an HTTP/1.1 request (method,
// route-relative URL, headers minus hop-by-hop plus Fn-* metadata, body); the function's status,
// headers (minus hop-by-hop) and body come back unchanged. Seed-era `Task-Id` is added by the stdio
// transport, not here.
import type { CallRequest } from '../types.ts';
import { clientResponseHeaders, functionRequestHeaders } from './hop-by-hop.ts';
import { callMetaHeaders, routeRelativeUrl, type ClientReply, type FunctionRequest, type FunctionResponse } from './message.ts';

export function encodeHttpRequest(call: CallRequest): FunctionRequest {
  return {
    method: call.method.toUpperCase(),
    target: routeRelativeUrl(call),
    headers: [...functionRequestHeaders(call.headers), ...callMetaHeaders(call)],
    body: call.body,
  };
}

export function decodeHttpResponse(res: FunctionResponse): ClientReply {
  return { status: res.status, headers: clientResponseHeaders(res.headers), body: res.body };
}
