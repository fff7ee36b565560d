// `podfn build` against Podman's Docker-compatible API (no dockerode): POST /v1.41/build with a tar of
// the function folder, streaming the JSON progress lines as they come. Podman 4.3 quirks handled here:
// the Containerfile goes in under a unique name passed as `dockerfile` (the service resolves a relative
// name against its own cwd first), and builds run with networkmode=none (rootless cannot open tun here).
// Also the few image calls the base images need (base-images.ts): inspect, list, untag and import of a
// rootfs tarball (libpod's POST /images/import, streamed, with Containerfile-style changes).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { resolveContainerSocket } from '../config.ts';
import { CliError, EXIT } from './errors.ts';
import { appendFiles, tarDirectory, type TarEntry } from './tar.ts';

export interface BuildOptions {
  dir: string;
  image: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  noCache?: boolean;
  /** files added to the context when the folder lacks them (the node or python FDK) */
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
export function buildImage(o: BuildOptions): Promise<string> {
  const cf = ['Containerfile', 'Dockerfile'].map((n) => path.join(o.dir, n)).find((f) => fs.existsSync(f));
  if (!cf)
    throw new CliError(`no Containerfile in ${path.resolve(o.dir)}`, EXIT.BAD_FUNC, 'create one with `podfn init`, or add a Containerfile next to func.yaml');
  const unique = `.podfn-build-${randomBytes(6).toString('hex')}.Containerfile`;
  const extra = (o.extraFiles ?? []).filter((e) => !fs.existsSync(path.join(o.dir, e.name)));
  const tar = appendFiles(
    tarDirectory(o.dir, (rel) => IGNORED.has(rel)),
    [...extra, { name: unique, data: fs.readFileSync(cf) }],
  );
  return runBuild(
    { ...o, tar, dockerfile: unique },
    "fix the Containerfile or the files it copies; is the base image (build arg BASE) in this Podman's store? `podfn base ls` lists podfn's own",
  );
}

/** Builds `image` from a Containerfile given as text, with no other context files (base-images.ts). */
export function buildFromText(o: Omit<BuildOptions, 'dir' | 'extraFiles'> & { containerfile: string }, hint: string): Promise<string> {
  const name = `.podfn-build-${randomBytes(6).toString('hex')}.Containerfile`;
  const tar = appendFiles(Buffer.alloc(1024), [{ name, data: Buffer.from(o.containerfile) }]);
  return runBuild({ ...o, tar, dockerfile: name }, hint);
}

interface RawBuild {
  image: string;
  tar: Buffer;
  dockerfile: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  noCache?: boolean;
  onProgress: (line: string) => void;
}

function runBuild(o: RawBuild, hint: string): Promise<string> {
  const q = new URLSearchParams({
    t: o.image,
    dockerfile: o.dockerfile,
    networkmode: 'none',
    rm: 'true',
    buildargs: JSON.stringify(o.buildArgs),
    labels: JSON.stringify(o.labels),
  });
  if (o.noCache) q.set('nocache', 'true');
  const tar = o.tar;
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
          if (error) reject(new CliError(`build of ${o.image} failed: ${error.trim()}`, EXIT.BUILD_FAILED, hint));
          else resolve(id ?? '');
        });
        res.on('error', reject);
      },
    );
    req.on('error', (e) => reject(unreachable(socketPath, e)));
    req.end(tar);
  });
}

function unreachable(socketPath: string, e: Error): CliError {
  return new CliError(
    `cannot reach Podman at ${socketPath} (${(e as NodeJS.ErrnoException).code ?? e.message})`,
    EXIT.UNAVAILABLE,
    'start its API service (`npm run setup`), or set PODFN_CONTAINER_HOST=unix:///path/to/podman.sock',
  );
}

/** One API call with the whole answer as text (bodies here are small JSON, except the import's upload). */
function api(method: string, apiPath: string, body?: Readable, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const socketPath = containerSocket();
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: apiPath, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', (e) => reject(unreachable(socketPath, e)));
    if (!body) {
      req.end();
      return;
    }
    body.on('error', (e) => {
      req.destroy();
      reject(e);
    });
    body.pipe(req);
  });
}

function apiMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { message?: string; cause?: string }).message;
    if (m) return m;
  } catch {
    /* not JSON */
  }
  return text.trim().slice(0, 300);
}

export interface ImageInfo {
  id: string;
  /** names (repo:tag) */
  tags: string[];
  labels: Record<string, string>;
  /** bytes */
  size: number;
  /** ISO time */
  created: string;
}

/** The image `ref` in Podman's store, or undefined when it has none by that name. */
export async function inspectImage(ref: string): Promise<ImageInfo | undefined> {
  const r = await api('GET', `/v1.41/images/${encodeURIComponent(ref)}/json`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new CliError(`Podman could not inspect ${ref}: ${apiMessage(r.text)}`, EXIT.UNAVAILABLE);
  const i = JSON.parse(r.text) as {
    Id: string;
    RepoTags?: string[] | null;
    Config?: { Labels?: Record<string, string> | null };
    Size?: number;
    Created?: string;
  };
  return { id: i.Id.replace(/^sha256:/, ''), tags: i.RepoTags ?? [], labels: i.Config?.Labels ?? {}, size: i.Size ?? 0, created: i.Created ?? '' };
}

/** Images whose name matches `reference` (Podman's reference filter: `localhost/podfn/*`). */
export async function listImages(reference: string): Promise<ImageInfo[]> {
  const q = new URLSearchParams({ filters: JSON.stringify({ reference: [reference] }) });
  const r = await api('GET', `/v1.41/images/json?${q.toString()}`);
  if (r.status !== 200) throw new CliError(`Podman could not list images: ${apiMessage(r.text)}`, EXIT.UNAVAILABLE);
  const rows = JSON.parse(r.text) as { Id: string; RepoTags?: string[] | null; Labels?: Record<string, string> | null; Size?: number; Created?: number }[];
  return rows.map((i) => ({
    id: i.Id.replace(/^sha256:/, ''),
    tags: i.RepoTags ?? [],
    labels: i.Labels ?? {},
    size: i.Size ?? 0,
    created: new Date((i.Created ?? 0) * 1000).toISOString(),
  }));
}

/**
 * Removes the name `ref` (Docker semantics: an image that still has other names, or child images,
 * is only untagged; one a container uses is kept). Resolves with whether Podman did it.
 */
export async function removeImage(ref: string): Promise<boolean> {
  const r = await api('DELETE', `/v1.41/images/${encodeURIComponent(ref)}`);
  return r.status === 200;
}

/**
 * Imports a rootfs tarball as the image `reference` (libpod's import: what `podman import` does),
 * applying Containerfile-style `changes` (CMD [...], ENV K=V, LABEL k=v: one label per change).
 * Resolves with the new image id.
 */
export async function importImage(reference: string, tar: Readable, changes: string[]): Promise<string> {
  const q = new URLSearchParams({ reference });
  for (const c of changes) q.append('changes', c);
  const r = await api('POST', `/v4.0.0/libpod/images/import?${q.toString()}`, tar, { 'Content-Type': 'application/x-tar', 'Transfer-Encoding': 'chunked' });
  if (r.status !== 200) throw new CliError(`Podman could not import ${reference}: ${apiMessage(r.text)}`, EXIT.BUILD_FAILED);
  return ((JSON.parse(r.text) as { Id?: string }).Id ?? '').replace(/^sha256:/, '');
}
