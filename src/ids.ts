import type { Clock } from './clock.ts';

export type IdGenerator = () => string;

/**
 * UUIDv7 (RFC 9562) from the injected clock: 48-bit ms timestamp, then random bits.
 * Within one millisecond a 12-bit counter keeps ids from one generator sortable.
 */
export function uuidv7Generator(clock: Clock): IdGenerator {
  let lastMs = -1;
  let counter = 0;
  return () => {
    const ms = clock.now().getTime();
    if (ms === lastMs) counter = (counter + 1) & 0xfff;
    else {
      lastMs = ms;
      counter = crypto.getRandomValues(new Uint16Array(1))[0]! & 0x7ff;
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
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
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
