"""podfn function development kit for Python (3.9+, standard library only, one file).

One handler ``fn(data, ctx)`` runs unchanged in every route format:

- ``default`` (cold): reads stdin once, calls the handler, writes the body to stdout, exits (a raised
  exception goes to stderr, the call's log, and the process exits 1: the gateway answers 502);
- ``http`` and ``json`` (hot): serves HTTP/1.1 on the Unix socket ``FN_LISTENER``, bound under a
  temporary name, chmod 0666 and renamed into place (the runner connects when ``lsnr.sock`` appears);
  keep-alive, one call at a time in arrival order; ``json`` unwraps and answers the JSON envelope. A
  raised exception answers 500 and the container keeps serving.

data: the parsed JSON (a dict for an object) when the content type is JSON and the body parses, else
a str when the body is UTF-8 (``''`` when empty), else bytes.

return: a dict, list or other JSON value (application/json), a str (text/plain; charset=utf-8), bytes
(application/octet-stream), None (empty body), or ``Response(status, headers, body)`` with a body of
any of those. An explicit Content-Type header wins. Cold calls send the body only.

ctx: call_id, deadline (an aware datetime), method, request_url, headers (lower-case names, several
values joined with ", "), config (the environment: app config, then route config), format, app_name,
route. ``print()`` in a handler goes to stderr (the call's log), never into the response.

Usage (call ``handle`` last: in the hot formats it serves until the container is stopped)::

    from podfn_fdk import handle

    def hello(data, ctx):
        return {"hello": data.get("name", "world") if isinstance(data, dict) else data}

    handle(hello)
"""

import asyncio
import base64
import datetime
import inspect
import json
import os
import re
import signal
import socketserver
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler

__all__ = ["handle", "Response", "Context", "normalize", "decode_input"]
__version__ = "0.1.0"


class Response:
    """A full response: status (100-599, else 200), headers (name -> str or list of str), body."""

    __slots__ = ("status", "headers", "body")

    def __init__(self, status=200, headers=None, body=None):
        self.status = status
        self.headers = dict(headers or {})
        self.body = body

    def __repr__(self):
        return "Response(status=%r, headers=%r, body=%r)" % (self.status, self.headers, self.body)


class Context:
    """What the handler knows about the call besides its input."""

    __slots__ = ("call_id", "deadline", "method", "request_url", "headers", "config", "format", "app_name", "route")

    def __init__(self, fmt, call_id="", deadline=None, method="", request_url="", headers=None):
        env = os.environ
        self.format = fmt
        self.call_id = call_id
        self.deadline = _parse_deadline(deadline)
        self.method = method
        self.request_url = request_url
        self.headers = headers or {}
        self.config = dict(env)
        self.app_name = env.get("FN_APP_NAME") or env.get("APP_NAME") or ""
        self.route = env.get("FN_PATH") or env.get("ROUTE") or ""

    def remaining(self):
        """Seconds left until the deadline (the gateway stops the call then)."""
        return (self.deadline - datetime.datetime.now(datetime.timezone.utc)).total_seconds()

    def __repr__(self):
        return "Context(%s)" % ", ".join("%s=%r" % (k, getattr(self, k)) for k in self.__slots__ if k != "config")


_FRACTION = re.compile(r"\.(\d+)")


def _parse_deadline(text):
    """RFC 3339 (``2030-01-01T00:00:00.000Z``) -> aware datetime; missing or bad: now + 30 s."""
    if text:
        s = text.strip()
        if s[-1:] in ("Z", "z"):
            s = s[:-1] + "+00:00"
        s = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], s, count=1)  # 3.9: 3 or 6 digits only
        try:
            d = datetime.datetime.fromisoformat(s)
            return d if d.tzinfo else d.replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            pass
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=30)


def _flat_headers(headers):
    """Headers (a mapping, or (name, value) pairs) -> lower-case name -> str, several values joined by ", "."""
    out = {}
    items = headers.items() if hasattr(headers, "items") else headers
    for k, v in items or ():
        if v is None:
            continue
        v = ", ".join(str(x) for x in v) if isinstance(v, (list, tuple)) else str(v)
        k = str(k).lower()
        out[k] = out[k] + ", " + v if k in out else v
    return out


_JSON_TYPE = re.compile(r"\bjson\b", re.I)


def decode_input(body, content_type=None):
    """Body bytes -> handler input: JSON content type and a body that parses -> the value, UTF-8 -> str, else bytes."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return bytes(body)
    if content_type and _JSON_TYPE.search(content_type) and text.strip():
        try:
            return json.loads(text)
        except ValueError:
            pass  # not JSON after all: hand over the text
    return text


def normalize(out):
    """Handler output -> (status, headers {name: str}, body bytes)."""
    res = out if isinstance(out, Response) else Response(body=out)
    headers = {}
    for k, v in (res.headers or {}).items():
        headers[str(k)] = ", ".join(str(x) for x in v) if isinstance(v, (list, tuple)) else str(v)
    body = res.body
    ctype = None
    if body is None:
        body = b""
    elif isinstance(body, (bytes, bytearray, memoryview)):
        body = bytes(body)
        ctype = "application/octet-stream"
    elif isinstance(body, str):
        body = body.encode("utf-8")
        ctype = "text/plain; charset=utf-8"
    else:
        body = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        ctype = "application/json"
    if ctype and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = ctype
    status = res.status
    if not (isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599):
        status = 200
    return status, headers, body


def _log_error(err):
    """The call's log: ``function error: <Type>: <message>`` and then the traceback."""
    trace = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    sys.stderr.write("function error: %s: %s\n%s" % (type(err).__name__, err, trace))
    sys.stderr.flush()


def _error_response(err):
    _log_error(err)
    return normalize(Response(500, body="function error: %s" % (err,)))


_loop = None


def _invoke(fn, data, ctx):
    """Calls the handler; an ``async def`` handler runs on one event loop kept for the process."""
    global _loop
    out = fn(data, ctx)
    if inspect.isawaitable(out):
        if _loop is None:
            _loop = asyncio.new_event_loop()
        out = _loop.run_until_complete(out)
    return out


# ---------- default (cold): one call per process ----------
def _run_cold(fn):
    stdout = sys.stdout.buffer
    sys.stdout = sys.stderr  # print() in the handler goes to the call's log, not into the response
    body = sys.stdin.buffer.read()
    env = os.environ
    headers = {k[7:].lower().replace("_", "-"): v for k, v in env.items() if k.startswith("HEADER_")}
    ctx = Context(
        "default",
        call_id=env.get("FN_CALL_ID") or env.get("CALL_ID") or "",
        deadline=env.get("FN_DEADLINE"),
        method=env.get("FN_METHOD") or env.get("METHOD") or "",
        request_url=env.get("FN_REQUEST_URL") or env.get("REQUEST_URL") or "",
        headers=headers,
    )
    try:
        _, _, out = normalize(_invoke(fn, decode_input(body, headers.get("content-type")), ctx))
    except Exception as err:  # the gateway answers 502 naming the exit code; stderr is the call's log
        _log_error(err)
        raise SystemExit(1)
    # Cold calls cannot set a status or headers (the gateway answers 200 for exit 0): body only.
    stdout.write(out)
    stdout.flush()


# ---------- hot: http and json formats ----------
def _from_http(handler, raw):
    headers = _flat_headers(handler.headers.items())
    ctx = Context(
        "http",
        call_id=headers.get("fn-call-id", ""),
        deadline=headers.get("fn-deadline"),
        method=headers.get("fn-method") or handler.command,
        request_url=headers.get("fn-request-url") or handler.path,
        headers=headers,
    )
    return decode_input(raw, headers.get("content-type")), ctx


def _from_envelope(env):
    if not isinstance(env, dict):
        raise ValueError("the json envelope is not an object")
    proto = env.get("protocol") or {}
    headers = _flat_headers(env.get("headers") or proto.get("headers") or {})
    text = env.get("body") or ""
    body = base64.b64decode(text) if env.get("body_encoding") == "base64" else text.encode("utf-8")
    ctx = Context(
        "json",
        call_id=env.get("call_id") or "",
        deadline=env.get("deadline"),
        method=env.get("method") or proto.get("method") or "",
        request_url=env.get("request_url") or proto.get("request_url") or "",
        headers=headers,
    )
    return decode_input(body, env.get("content_type") or headers.get("content-type")), ctx


def _to_envelope(status, headers, body):
    try:
        text, encoding = body.decode("utf-8"), "utf8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(body).decode("ascii"), "base64"
    ctype = None
    for k, v in headers.items():
        if k.lower() == "content-type":
            ctype = v
    envelope = {"status_code": status, "headers": {k: [v] for k, v in headers.items()}}
    if ctype is not None:
        envelope["content_type"] = ctype
    envelope["body"] = text
    envelope["body_encoding"] = encoding
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _Turns:
    """One call at a time, in arrival order (a ticket lock: threading.Lock promises no order)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._next = 0
        self._serving = 0

    def __enter__(self):
        with self._cond:
            ticket = self._next
            self._next += 1
            while ticket != self._serving:
                self._cond.wait()

    def __exit__(self, *exc):
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


_SKIP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive"}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the runner keeps its connection open between calls
    server_version = "podfn-fdk-python/" + __version__
    sys_version = ""
    fn = None
    fmt = "http"
    turns = None

    def __getattr__(self, name):  # every method (do_GET, do_POST, do_PATCH, ...) is a call
        if name.startswith("do_"):
            return self._call
        raise AttributeError(name)

    def log_message(self, format, *args):  # noqa: A002 - stderr is the call's log: no access log there
        pass

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _call(self):
        with self.turns:
            raw = self._read_body()
            try:
                if self.fmt == "json":
                    data, ctx = _from_envelope(json.loads(raw.decode("utf-8")))
                    try:
                        r = normalize(_invoke(self.fn, data, ctx))
                    except Exception as err:
                        r = _error_response(err)
                    out = (200, {"Content-Type": "application/json"}, _to_envelope(*r))
                else:
                    data, ctx = _from_http(self, raw)
                    try:
                        out = normalize(_invoke(self.fn, data, ctx))
                    except Exception as err:
                        out = _error_response(err)
            except Exception as err:  # a malformed envelope: the platform's fault, not the handler's
                out = _error_response(err)
            status, headers, body = out
            try:
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in _SKIP_HEADERS:
                        self.send_header(k, v.replace("\r", " ").replace("\n", " "))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                self.wfile.flush()
            except OSError:
                self.close_connection = True  # the runner went away; the next connection is served


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True  # a connection per thread; calls still take turns (_Turns)


def _serve_hot(fn, fmt, listener):
    sock = listener[5:] if listener.startswith("unix:") else listener
    tmp = os.path.join(os.path.dirname(sock), ".lsnr-%d-%d.sock" % (os.getpid(), int(time.time() * 1000)))
    handler = type("Handler", (_Handler,), {"fn": staticmethod(fn), "fmt": fmt, "turns": _Turns()})
    server = _Server(tmp, handler)
    os.chmod(tmp, 0o666)
    os.rename(tmp, sock)  # readiness: the runner connects when lsnr.sock appears

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout = sys.stderr  # print() in the handler goes to the container's log
    try:
        server.serve_forever()
    finally:
        server.socket.close()


def handle(fn):
    """Runs the function ``fn(data, ctx)`` in the route's format; returns only in the default format."""
    if not callable(fn):
        raise TypeError("handle(fn): fn must be a function (data, ctx) -> output")
    listener = os.environ.get("FN_LISTENER")
    fmt = os.environ.get("FN_FORMAT") or os.environ.get("FORMAT") or "default"
    if listener and fmt in ("http", "json"):
        _serve_hot(fn, fmt, listener)
        return
    _run_cold(fn)
