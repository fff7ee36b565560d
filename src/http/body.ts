// Reading request bodies with a size cap, so an oversize upload is refused with 413 while it streams
// instead of being buffered whole.
import type { Context } from 'hono';
import { ApiError, Errors } from '../models/errors.ts';

export function tooLarge(limit: number) {
  return new ApiError(413, `Request body too large: the limit is ${limit} bytes`);
}

export async function readBody(c: Context, limit: number): Promise<Buffer> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** JSON body: an empty or unparsable body is the seed's 400 "Invalid JSON". */
export async function readJson(c: Context, limit: number): Promise<unknown> {
  const buf = await readBody(c, limit);
  if (buf.length === 0) throw Errors.invalidJson();
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw Errors.invalidJson();
  }
}
