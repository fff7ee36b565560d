// A minimal ustar writer for build contexts: regular files, folders and symlinks of a directory tree
// (root-owned, modes kept, mtimes zeroed so equal trees give equal tars). Enough for Podman's build API
// without a tar dependency. Names over 100 bytes use the ustar prefix field; longer paths are refused.
import fs from 'node:fs';
import path from 'node:path';

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mode: number, type: '0' | '2' | '5', link = ''): Buffer {
  const h = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`path too long for the build context: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100);
  h.write(octal(mode & 0o7777, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(link, 157, 100);
  h.write('ustar\u000000', 257);
  h.write(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

/** The tar of `dir` (relative names), skipping entries `skip` returns true for. */
export function tarDirectory(dir: string, skip: (rel: string) => boolean = () => false): Buffer {
  const parts: Buffer[] = [];
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    for (const name of fs.readdirSync(abs).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip(r)) continue;
      const st = fs.lstatSync(path.join(dir, r));
      if (st.isDirectory()) {
        parts.push(header(`${r}/`, 0, st.mode, '5'));
        walk(r);
      } else if (st.isSymbolicLink()) {
        parts.push(header(r, 0, 0o777, '2', fs.readlinkSync(path.join(dir, r))));
      } else if (st.isFile()) {
        const data = fs.readFileSync(path.join(dir, r));
        parts.push(header(r, data.length, st.mode, '0'), data);
        const pad = (512 - (data.length % 512)) % 512;
        if (pad) parts.push(Buffer.alloc(pad));
      }
    }
  };
  walk('');
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export interface TarEntry {
  name: string;
  data: Buffer;
  mode?: number;
}

/** Adds in-memory files (and their folders) to a tar made by tarDirectory, before its end blocks. */
export function appendFiles(tar: Buffer, entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [tar.subarray(0, tar.length - 1024)];
  const dirs = new Set<string>();
  for (const e of entries) {
    const segs = e.name.split('/').slice(0, -1);
    for (let i = 1; i <= segs.length; i++) {
      const d = `${segs.slice(0, i).join('/')}/`;
      if (!dirs.has(d)) {
        dirs.add(d);
        parts.push(header(d, 0, 0o755, '5'));
      }
    }
    const pad = (512 - (e.data.length % 512)) % 512;
    parts.push(header(e.name, e.data.length, e.mode ?? 0o644, '0'), e.data, Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
