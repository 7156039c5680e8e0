import packageJson from '../package.json' with { type: 'json' };

/** The portal's version, from package.json (bundled on Workers, read at start on Node). */
export const PORTAL_VERSION: string = packageJson.version;
