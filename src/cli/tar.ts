// A minimal ustar writer for build contexts: regular files, folders and symlinks of a directory tree
// (root-owned, modes kept, mtimes zeroed so equal trees give equal tars). Enough for Podman's build API
// without a tar dependency. Names or link targets over 99 bytes get a pax record. base-images.ts
// streams its rootfs tarballs with the same headers.
import fs from 'node:fs';
import path from 'node:path';

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function ustarHeader(name: string, size: number, mode: number, type: '0' | '2' | '5' | 'x', link = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(octal(mode & 0o7777, 8), 100);
  h.write(octal(0, 8), 108);
  h.write(octal(0, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(link, 157, 100);
  h.write('ustar\u000000', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

/** Zero padding after `n` bytes of entry data, to the next 512-byte block. */
export const tarPad = (n: number): Buffer => Buffer.alloc((512 - (n % 512)) % 512);

/** Header block(s) of one entry: a pax record carries a name or link target too long for ustar. */
export function tarHeaders(name: string, size: number, mode: number, type: '0' | '2' | '5', link = ''): Buffer[] {
  const records: string[] = [];
  const rec = (k: string, v: string) => {
    const body = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(body) + 1;
    while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
    records.push(`${len}${body}`);
  };
  if (Buffer.byteLength(name) > 99) rec('path', name);
  if (Buffer.byteLength(link) > 99) rec('linkpath', link);
  if (records.length === 0) return [ustarHeader(name, size, mode, type, link)];
  const data = Buffer.from(records.join(''));
  return [
    ustarHeader('././@PaxHeader', data.length, 0o644, 'x'),
    data,
    tarPad(data.length),
    ustarHeader(name.slice(0, 99), size, mode, type, link.slice(0, 99)),
  ];
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
        parts.push(...tarHeaders(`${r}/`, 0, st.mode, '5'));
        walk(r);
      } else if (st.isSymbolicLink()) {
        parts.push(...tarHeaders(r, 0, 0o777, '2', fs.readlinkSync(path.join(dir, r))));
      } else if (st.isFile()) {
        const data = fs.readFileSync(path.join(dir, r));
        parts.push(...tarHeaders(r, data.length, st.mode, '0'), data, tarPad(data.length));
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
        parts.push(...tarHeaders(d, 0, 0o755, '5'));
      }
    }
    parts.push(...tarHeaders(e.name, e.data.length, e.mode ?? 0o644, '0'), e.data, tarPad(e.data.length));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
