// What `podfn init` writes per runtime: a handler, a Containerfile whose base image is a build argument
// (BASE; defaults to the locally built bases, since no registry is reachable), and for node the FDK
// copied in as node_modules/@podfn/fdk so the folder builds with plain `podman build` too.
import type { Format, Runtime } from './func-file.ts';

export const NODE_BASE = 'localhost/podfn-test/node-base:latest';
export const SH_BASE = 'localhost/podfn-test/busybox:latest';

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

const shHandler = (name: string) => `#!/bin/sh
# ${name}: a podfn function for the sh runtime (format default): the request body arrives on stdin,
# stdout is the response, stderr the call's log; exit non-zero to fail the call (502).
# Call data is in the environment: FN_CALL_ID, FN_METHOD, FN_REQUEST_URL, FN_DEADLINE, HEADER_<NAME>,
# and the app and route config (keys upper-cased).
body=$(cat)
echo "call $FN_CALL_ID" >&2
echo "Hello \${body:-world}"
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
