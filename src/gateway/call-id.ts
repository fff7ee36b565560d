// Call ids: UUIDv7 (48-bit millisecond time + random), so ids are unique, unguessable and sort by time
// (the seed derived them from address+path+second, which collided).
import { randomFillSync } from 'node:crypto';

// randomBytes(16) per id is a getrandom() syscall per call: draw 256 ids' worth at a time
const POOL = Buffer.alloc(16 * 256);
let poolAt = POOL.length;

let lastMs = 0;
let seq = 0;

export function newCallId(now = Date.now()): string {
  // a per-millisecond counter in the rand_a bits keeps ids from one process strictly increasing
  if (now <= lastMs) {
    seq = (seq + 1) & 0xfff;
    if (seq === 0) lastMs++;
    now = lastMs;
  } else {
    lastMs = now;
    seq = 0;
  }
  if (poolAt >= POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  // written in place: these 16 bytes are used once, then overwritten by the next refill
  const b = POOL.subarray(poolAt, poolAt + 16);
  poolAt += 16;
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
