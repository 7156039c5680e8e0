import { cacheUntilNextWrite } from '../db/until-next-write.ts';

/**
 * Rendered directory pages (their JSON as UTF-8 bytes, encoded once per version rather than
 * per request), kept until the next accepted write. The directory looks the same to every
 * principal, so pages are shared between callers.
 */
export const directoryPage = cacheUntilNextWrite<Uint8Array>(256);
