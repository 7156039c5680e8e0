import type { Clock } from './clock.ts';

export type IdGenerator = () => string;

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * UUIDv7 (RFC 9562) from the injected clock: 48-bit ms timestamp, then random bits.
 * Within one millisecond a 12-bit counter keeps ids from one generator strictly
 * increasing, even under a fixed test clock.
 */
export function uuidv7Generator(clock: Clock): IdGenerator {
  let lastMs = -1;
  let counter = 0;
  // Random bytes drawn in blocks: one call to the CSPRNG per 256 ids, not two per id.
  const pool = new Uint8Array(16 * 256);
  let used = pool.length;
  const random16 = () => {
    if (used === pool.length) {
      crypto.getRandomValues(pool);
      used = 0;
    }
    used += 16;
    return pool.slice(used - 16, used);
  };
  return () => {
    const bytes = random16();
    const seed = ((bytes[14]! << 8) | bytes[15]!) & 0x7ff;
    let ms = clock.now().getTime();
    if (ms <= lastMs) {
      // Same millisecond (or a clock that stepped back): count on; on overflow borrow the
      // next millisecond (RFC 9562 section 6.2), so ids stay strictly increasing.
      ms = lastMs;
      counter += 1;
      if (counter > 0xfff) {
        ms += 1;
        counter = seed;
      }
    } else {
      counter = seed;
    }
    lastMs = ms;
    const high = Math.floor(ms / 2 ** 16);
    const low = ms % 2 ** 16;
    bytes[0] = (high >>> 24) & 0xff;
    bytes[1] = (high >>> 16) & 0xff;
    bytes[2] = (high >>> 8) & 0xff;
    bytes[3] = high & 0xff;
    bytes[4] = (low >>> 8) & 0xff;
    bytes[5] = low & 0xff;
    bytes[6] = 0x70 | (counter >>> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    let hex = '';
    for (const byte of bytes) hex += HEX[byte];
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
