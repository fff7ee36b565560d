// podfn function development kit for Node (plain CommonJS, node built-ins only, so it can be COPY'd into
// an image as node_modules/@podfn/fdk). One handler `(input, ctx) => output` runs unchanged in every
// format: `default` (cold: stdin once -> stdout, exit), `http` and `json` (hot: serve FN_LISTENER, a Unix
// socket bound under a temporary name, chmod 0666, renamed into place so the runner never connects early).
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

/** Headers as lower-case name -> string (several values joined with ", "). */
function flatHeaders(h) {
  const out = {};
  for (const [k, v] of Object.entries(h || {})) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** Body -> handler input: JSON content type -> parsed value, valid UTF-8 -> string, else the Buffer. */
function decodeInput(body, contentType) {
  const text = body.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(body);
  if (utf8 && /\bjson\b/i.test(contentType || '') && text.trim() !== '') {
    try {
      return JSON.parse(text);
    } catch {
      /* not JSON after all: hand over the text */
    }
  }
  return utf8 ? text : body;
}

const RESPONSE_KEYS = new Set(['status', 'headers', 'body']);

/** A plain object with only status/headers/body keys (and status or body) is a full response. */
function isResponse(v) {
  if (!v || typeof v !== 'object' || Buffer.isBuffer(v) || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => RESPONSE_KEYS.has(k)) && ('status' in v || 'body' in v);
}

/** Handler output -> {status, headers (name -> string), body: Buffer}. */
function normalize(out) {
  const res = isResponse(out) ? out : { body: out };
  const headers = {};
  for (const [k, v] of Object.entries(res.headers || {})) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
  const has = (name) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  let body = res.body;
  let type;
  if (body === undefined || body === null) body = Buffer.alloc(0);
  else if (Buffer.isBuffer(body)) type = 'application/octet-stream';
  else if (body instanceof Uint8Array) {
    body = Buffer.from(body);
    type = 'application/octet-stream';
  } else if (typeof body === 'string') {
    body = Buffer.from(body, 'utf8');
    type = 'text/plain; charset=utf-8';
  } else {
    body = Buffer.from(JSON.stringify(body), 'utf8');
    type = 'application/json';
  }
  if (type && !has('content-type')) headers['Content-Type'] = type;
  const status = Number.isInteger(res.status) && res.status >= 100 && res.status <= 599 ? res.status : 200;
  return { status, headers, body };
}

/** The function's config: its environment (app config, then route config; see the README). */
function configFromEnv() {
  return Object.assign({}, process.env);
}

function baseCtx(format) {
  return {
    format,
    appName: process.env.FN_APP_NAME || process.env.APP_NAME || '',
    route: process.env.FN_PATH || process.env.ROUTE || '',
    config: configFromEnv(),
  };
}

// ---------- default (cold): one call per process ----------
async function runCold(fn) {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const body = Buffer.concat(chunks);
  const headers = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('HEADER_') && v !== undefined) headers[k.slice(7).toLowerCase().replace(/_/g, '-')] = v;
  }
  const env = process.env;
  const ctx = Object.assign(baseCtx('default'), {
    callId: env.FN_CALL_ID || env.CALL_ID || '',
    deadline: env.FN_DEADLINE ? new Date(env.FN_DEADLINE) : new Date(Date.now() + 30000),
    method: env.FN_METHOD || env.METHOD || '',
    requestUrl: env.FN_REQUEST_URL || env.REQUEST_URL || '',
    headers,
  });
  let res;
  try {
    res = normalize(await fn(decodeInput(body, headers['content-type']), ctx));
  } catch (err) {
    process.stderr.write(`function error: ${(err && err.stack) || err}\n`);
    process.exitCode = 1; // the gateway answers 502 naming the exit code; stderr is the call's log
    return;
  }
  // Cold calls cannot set a status or headers (the gateway answers 200 for exit 0): body only.
  await new Promise((resolve) => process.stdout.write(res.body, resolve));
}

// ---------- hot: http and json formats ----------
async function readAll(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks);
}

/** An http-format request -> [input, ctx]. */
function fromHttp(req, raw) {
  const headers = flatHeaders(req.headers);
  const ctx = Object.assign(baseCtx('http'), {
    callId: headers['fn-call-id'] || '',
    deadline: headers['fn-deadline'] ? new Date(headers['fn-deadline']) : new Date(Date.now() + 30000),
    method: headers['fn-method'] || req.method,
    requestUrl: headers['fn-request-url'] || req.url,
    headers,
  });
  return [decodeInput(raw, headers['content-type']), ctx];
}

/** A json-format envelope -> [input, ctx]. */
function fromEnvelope(env) {
  const headers = flatHeaders(env.headers || (env.protocol && env.protocol.headers));
  const body = Buffer.from(env.body || '', env.body_encoding === 'base64' ? 'base64' : 'utf8');
  const ctx = Object.assign(baseCtx('json'), {
    callId: env.call_id || '',
    deadline: env.deadline ? new Date(env.deadline) : new Date(Date.now() + 30000),
    method: env.method || (env.protocol && env.protocol.method) || '',
    requestUrl: env.request_url || (env.protocol && env.protocol.request_url) || '',
    headers,
  });
  return [decodeInput(body, env.content_type || headers['content-type']), ctx];
}

function toEnvelope(res) {
  const text = res.body.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(res.body);
  const headers = {};
  let contentType;
  for (const [k, v] of Object.entries(res.headers)) {
    if (k.toLowerCase() === 'content-type') contentType = v;
    headers[k] = [v];
  }
  return JSON.stringify({
    status_code: res.status,
    headers,
    content_type: contentType,
    body: utf8 ? text : res.body.toString('base64'),
    body_encoding: utf8 ? 'utf8' : 'base64',
  });
}

function errorResponse(err) {
  process.stderr.write(`function error: ${(err && err.stack) || err}\n`);
  return normalize({ status: 500, body: `function error: ${(err && err.message) || err}` });
}

function serveHot(fn, format, listener) {
  const sock = listener.replace(/^unix:/, '');
  const tmp = path.join(path.dirname(sock), `.lsnr-${process.pid}-${Date.now()}.sock`);
  let queue = Promise.resolve(); // one call at a time, in arrival order
  const onRequest = (req, res) => {
    queue = queue.then(async () => {
      const raw = await readAll(req);
      let out;
      try {
        if (format === 'json') {
          const [input, ctx] = fromEnvelope(JSON.parse(raw.toString('utf8')));
          let r;
          try {
            r = normalize(await fn(input, ctx));
          } catch (err) {
            r = errorResponse(err);
          }
          const text = toEnvelope(r);
          out = { status: 200, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(text, 'utf8') };
        } else {
          const [input, ctx] = fromHttp(req, raw);
          try {
            out = normalize(await fn(input, ctx));
          } catch (err) {
            out = errorResponse(err);
          }
        }
      } catch (err) {
        // a malformed envelope: the platform's fault, not the handler's
        out = errorResponse(err);
      }
      res.writeHead(out.status, Object.assign({}, out.headers, { 'Content-Length': out.body.length }));
      res.end(out.body);
    });
  };
  const server = http.createServer(onRequest);
  server.keepAliveTimeout = 0; // the runner keeps its connection open between calls
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  server.listen(tmp, () => {
    fs.chmodSync(tmp, 0o666);
    fs.renameSync(tmp, sock); // readiness: the runner connects when lsnr.sock appears
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * Registers the function. `fn(input, ctx)` may be async; it returns a string, Buffer, JSON value, or
 * `{status, headers, body}`. ctx: callId, deadline (Date), method, requestUrl, headers (lower-case),
 * config (the environment), format, appName, route.
 */
function handle(fn) {
  if (typeof fn !== 'function') throw new TypeError('handle(fn): fn must be a function (input, ctx) => output');
  const listener = process.env.FN_LISTENER;
  const format = process.env.FN_FORMAT || process.env.FORMAT || 'default';
  if (listener && (format === 'http' || format === 'json')) {
    serveHot(fn, format, listener);
    return;
  }
  runCold(fn).catch((err) => {
    process.stderr.write(`fdk failed: ${(err && err.stack) || err}\n`);
    process.exit(70);
  });
}

module.exports = { handle, normalize, decodeInput };
