// What `podfn init` writes per runtime: a handler, a Containerfile whose base image is a build argument
// (BASE; defaults to the local bases of base-images.ts, since no registry is reachable), and the FDK
// copied in for node (node_modules/@podfn/fdk) and python (podfn_fdk.py, by init) so the folder builds
// with plain `podman build` too. Every hello greets the `name` of a JSON body ({"name":"Ada"}).
import { NODE_BASE, PYTHON_BASE, SH_BASE } from './base-images.ts';
import type { Format, Runtime } from './func-file.ts';

export interface Template {
  entrypoint: string;
  files: Record<string, string>;
}

const nodeHandler = (name: string) => `// ${name}: a podfn function. The same handler serves every format (default, http, json);
// see node_modules/@podfn/fdk/README.md for the input, output and ctx rules.
'use strict';
const { handle } = require('@podfn/fdk');

handle(async (input, ctx) => {
  // input: an object for a JSON body, else a string (or a Buffer for bytes that are not UTF-8)
  const who = (input && typeof input === 'object' && !Buffer.isBuffer(input) ? input.name : input) || 'world';
  return { message: \`Hello \${who}\`, call_id: ctx.callId, format: ctx.format };
});
`;

const pythonHandler = (name: string) => `# ${name}: a podfn function. The same handler serves every format (default, http, json);
# see the docstring of podfn_fdk.py for the data, return and ctx rules.
from podfn_fdk import handle


def hello(data, ctx):
    # data: a dict for a JSON body, else a str (or bytes for a body that is not UTF-8)
    who = data.get("name") if isinstance(data, dict) else data
    if isinstance(who, bytes):
        who = who.decode("utf-8", "replace")
    who = str(who or "").strip() or "world"
    return {"message": f"Hello {who}", "call_id": ctx.call_id, "format": ctx.format}


handle(hello)
`;

// No JSON parser in sh: the "name" string of a JSON body is cut out with parameter expansions (no
// escapes inside the name), so the template needs nothing but /bin/sh.
const shHandler = (name: string) => `#!/bin/sh
# ${name}: a podfn function for the sh runtime (format default): the request body arrives on stdin,
# stdout is the response, stderr the call's log; exit non-zero to fail the call (502).
# Call data is in the environment: FN_CALL_ID, FN_METHOD, FN_REQUEST_URL, FN_DEADLINE, HEADER_<NAME>,
# and the app and route config (keys upper-cased).
body=$(cat)
who=$body
case $body in
  *'"name"'*) # a JSON body with a "name" string: greet that name (what follows "name", blanks,
    # the colon and blanks dropped, up to the closing quote; no JSON parser in sh)
    v=\${body#*'"name"'}
    v=\${v#"\${v%%[![:space:]]*}"}
    case $v in :*) v=\${v#:} && v=\${v#"\${v%%[![:space:]]*}"} ;; esac
    case $v in '"'*) v=\${v#'"'} && who=\${v%%'"'*} ;; esac
    ;;
esac
echo "call $FN_CALL_ID" >&2
echo "Hello \${who:-world}"
`;

export function template(runtime: Runtime, name: string, _format: Format): Template {
  if (runtime === 'sh') {
    return {
      entrypoint: '/bin/sh /function/func.sh',
      files: {
        'func.sh': shHandler(name),
        Containerfile: `# Build: podfn build (or podman build --build-arg BASE=<image with /bin/sh> .)
ARG BASE=${SH_BASE}
FROM \${BASE}
COPY func.sh /function/func.sh
CMD ["/bin/sh", "/function/func.sh"]
`,
      },
    };
  }
  if (runtime === 'python') {
    return {
      entrypoint: 'python3 /function/func.py',
      files: {
        'func.py': pythonHandler(name),
        Containerfile: `# Build: podfn build (or podman build --build-arg BASE=<image with python3 on its PATH> .)
ARG BASE=${PYTHON_BASE}
FROM \${BASE}
COPY func.py podfn_fdk.py /function/
WORKDIR /function
ENV PYTHONDONTWRITEBYTECODE=1
CMD ["python3", "/function/func.py"]
`,
      },
    };
  }
  return {
    entrypoint: 'node /function/func.js',
    files: {
      'func.js': nodeHandler(name),
      Containerfile: `# Build: podfn build (or podman build --build-arg BASE=<image with /usr/bin/node> .)
ARG BASE=${NODE_BASE}
FROM \${BASE}
COPY func.js /function/func.js
COPY node_modules/@podfn/fdk/ /function/node_modules/@podfn/fdk/
WORKDIR /function
CMD ["/usr/bin/node", "/function/func.js"]
`,
    },
  };
}
