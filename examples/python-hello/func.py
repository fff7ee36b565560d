# Hello in the http (hot) format, in Python: the container stays up and serves calls on FN_LISTENER.
# A Response(status, headers, body) sets the status and headers the client sees.
from podfn_fdk import Response, handle

served = 0  # hot: state survives between calls of the same container


def hello(data, ctx):
    global served
    served += 1
    who = data.get("name") if isinstance(data, dict) else data
    who = who.strip() if isinstance(who, str) and who.strip() else "world"
    if who == "nobody":
        return Response(404, body={"error": "nobody is not here"})
    body = {"greeting": f"{ctx.config.get('GREETING', 'Hello')} {who}", "method": ctx.method, "call_id": ctx.call_id}
    return Response(200, {"X-Served": str(served)}, body)


handle(hello)
