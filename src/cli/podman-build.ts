// `podfn build` against Podman's Docker-compatible API (no dockerode): POST /v1.41/build with a tar of
// the function folder, streaming the JSON progress lines as they come. Podman 4.3 quirks handled here:
// the Containerfile goes in under a unique name passed as `dockerfile` (the service resolves a relative
// name against its own cwd first), and builds run with networkmode=none (rootless cannot open tun here).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { resolveContainerSocket } from '../config.ts';
import { CliError, EXIT } from './errors.ts';
import { appendFiles, tarDirectory, type TarEntry } from './tar.ts';

export interface BuildOptions {
  dir: string;
  image: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  noCache?: boolean;
  /** files added to the context when the folder lacks them (the node FDK) */
  extraFiles?: TarEntry[];
  /** one line of progress (already without trailing newline) */
  onProgress: (line: string) => void;
}

export function containerSocket(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return resolveContainerSocket(env.PODFN_CONTAINER_HOST ?? '', env);
  } catch (e) {
    throw new CliError(`PODFN_CONTAINER_HOST: ${(e as Error).message}`, EXIT.USAGE);
  }
}

const IGNORED = new Set(['.git', 'func.yaml.bak']);

/** Builds the image; resolves with its id, throws a CliError with Podman's message on failure. */
export async function buildImage(o: BuildOptions): Promise<string> {
  const cf = ['Containerfile', 'Dockerfile'].map((n) => path.join(o.dir, n)).find((f) => fs.existsSync(f));
  if (!cf)
    throw new CliError(`no Containerfile in ${path.resolve(o.dir)}`, EXIT.BAD_FUNC, 'create one with `podfn init`, or add a Containerfile next to func.yaml');
  const unique = `.podfn-build-${randomBytes(6).toString('hex')}.Containerfile`;
  const extra = (o.extraFiles ?? []).filter((e) => !fs.existsSync(path.join(o.dir, e.name)));
  const tar = appendFiles(
    tarDirectory(o.dir, (rel) => IGNORED.has(rel)),
    [...extra, { name: unique, data: fs.readFileSync(cf) }],
  );
  const q = new URLSearchParams({
    t: o.image,
    dockerfile: unique,
    networkmode: 'none',
    rm: 'true',
    buildargs: JSON.stringify(o.buildArgs),
    labels: JSON.stringify(o.labels),
  });
  if (o.noCache) q.set('nocache', 'true');
  const socketPath = containerSocket();
  return new Promise<string>((resolve, reject) => {
    const req = http.request(
      {
        socketPath,
        path: `/v1.41/build?${q.toString()}`,
        method: 'POST',
        headers: { 'Content-Type': 'application/x-tar', 'Content-Length': String(tar.length) },
      },
      (res) => {
        let buf = '';
        let error: string | undefined;
        let id: string | undefined;
        const handleLine = (l: string) => {
          if (!l.trim()) return;
          let msg: { stream?: string; error?: string; errorDetail?: { message?: string }; aux?: { ID?: string } };
          try {
            msg = JSON.parse(l) as typeof msg;
          } catch {
            o.onProgress(l);
            return;
          }
          if (msg.stream) {
            for (const s of msg.stream.replace(/\n$/, '').split('\n')) {
              o.onProgress(s);
              // Podman 4.3 sends no aux.ID: the image id is its own line (full) after "Successfully built".
              if (/^[0-9a-f]{64}$/.test(s.trim())) id = s.trim();
              else if (!id) id = /^Successfully built ([0-9a-f]{12,})/.exec(s)?.[1];
            }
          }
          if (msg.aux?.ID) id = msg.aux.ID.replace(/^sha256:/, '');
          if (msg.error) error = msg.errorDetail?.message ?? msg.error;
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            handleLine(buf.slice(0, i));
            buf = buf.slice(i + 1);
          }
        });
        res.on('end', () => {
          handleLine(buf);
          if (res.statusCode !== 200 && !error) error = `Podman answered ${res.statusCode}`;
          if (error)
            reject(
              new CliError(
                `build of ${o.image} failed: ${error.trim()}`,
                EXIT.BUILD_FAILED,
                'fix the Containerfile or the files it copies; is the base image (build arg BASE) in this Podman\'s store? see the README section "Functions with the podfn CLI"',
              ),
            );
          else resolve(id ?? '');
        });
        res.on('error', reject);
      },
    );
    req.on('error', (e) =>
      reject(
        new CliError(
          `cannot reach Podman at ${socketPath} (${(e as NodeJS.ErrnoException).code ?? e.message})`,
          EXIT.UNAVAILABLE,
          'start its API service (`npm run setup`), or set PODFN_CONTAINER_HOST=unix:///path/to/podman.sock',
        ),
      ),
    );
    req.end(tar);
  });
}
