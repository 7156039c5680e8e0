/**
 * `npm run build:web`: the browser app and the /docs page, bundled from web/ into dist/web,
 * which both runtimes serve (Node from memory, Workers as static assets).
 *
 *   dist/web/index.html         web/index.html, its script and styles pointing at the bundles
 *   dist/web/docs.html          web/docs/index.html (the API reference)
 *   dist/web/_app/**            the bundles, named by their content's hash, and web/public/**
 *   dist/web/**.br, **.gz       compressed copies the Node entry serves (Workers compress themselves)
 *   dist/web/manifest.json      which files carry a hash (cached for a year, immutable)
 *   dist/web/_headers           the same for the Workers assets service, with the security headers
 *   dist/web/.assetsignore      what Workers need not upload (the compressed copies, the manifest)
 *
 * A page refers to its sources by their path under web/ (`<script type="module"
 * src="/src/main.ts">`, `<link rel="stylesheet" href="/styles/app.css">`); each becomes an
 * esbuild entry point and the reference its bundle. The pages may hold no inline script or
 * style: the Content-Security-Policy would block them, so the build refuses them first.
 * Written to a fresh directory and swapped in whole, so a portal starting meanwhile reads one build.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { ASSET_PREFIX, IMMUTABLE } from '../src/web/assets.ts';
import { pageSecurityHeaders } from '../src/web/security-headers.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The pages: source HTML under web/ and the file each becomes in dist/web. */
const PAGES = [
  { html: 'index.html', out: 'index.html' },
  { html: 'docs/index.html', out: 'docs.html' },
];
const COMPRESSED = /\.(js|css|html|svg|json|txt)$/;
const BROTLI_BEST_UP_TO = 512 * 1024;
/** Cloudflare reads at most 100 rules from _headers. */
const MAX_HEADER_RULES = 100;

class BuildError extends Error {}

/** `src="/src/main.ts"` and `href="/styles/app.css"` of a page: references to sources under web/. */
const REFERENCE = /\b(src|href)="(\/(?!\/)[^"?#]+)"/g;

function sourcesOf(source: string, html: string, page: string): string[] {
  const found: string[] = [];
  for (const [, , path] of html.matchAll(REFERENCE)) {
    if (!path || path.startsWith(ASSET_PREFIX)) continue;
    if (!/\.(ts|tsx|js|css)$/.test(path)) continue;
    const file = join(source, path);
    if (!existsSync(file)) throw new BuildError(`web/${page} refers to ${path}, but web${path} does not exist`);
    found.push(file);
  }
  return found;
}

/** What the Content-Security-Policy would block in a page, named, so the build fails instead of the page. */
function inlineCode(html: string): string[] {
  const found: string[] = [];
  for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) if (!/\bsrc=/.test(tag)) found.push(`inline script ${tag}`);
  if (/<style\b/i.test(html)) found.push('a <style> element');
  for (const [attribute] of html.matchAll(/\s(style|on[a-z]+)=/gi))
    found.push(`an inline ${attribute.trim()} attribute`);
  if (/\b(href|src|action)\s*=\s*["']?\s*javascript:/i.test(html)) found.push('a javascript: URL');
  return found;
}

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

const urlOf = (dir: string, file: string) => `/${relative(dir, file).split(sep).join('/')}`;

/** The bundles a JavaScript output imports statically, transitively: what the page should preload. */
function staticImports(metafile: Metafile, output: string, seen = new Set<string>()): Set<string> {
  for (const imported of metafile.outputs[output]?.imports ?? []) {
    if (imported.kind !== 'import-statement' || imported.external || seen.has(imported.path)) continue;
    seen.add(imported.path);
    staticImports(metafile, imported.path, seen);
  }
  return seen;
}

/**
 * Puts the new build in place of the old one by two renames. Another build finishing at
 * the same moment (the test projects' setups) can take the place in between: then ours
 * moves that one aside and tries again; both builds are of the same sources.
 */
function swapIn(staging: string, target: string) {
  for (let attempt = 0; ; attempt++) {
    const previous = `${staging}.previous-${attempt}`;
    try {
      renameSync(target, previous);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    try {
      renameSync(staging, target);
      rmSync(previous, { recursive: true, force: true });
      return;
    } catch (error) {
      rmSync(previous, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt >= 3) throw error;
    }
  }
}

export interface BuildOptions {
  /** The sources (default web/ of the repository). */
  source?: string;
  /** Where the app is written (default dist/web). */
  target?: string;
  quiet?: boolean;
}

export async function buildWeb(options: BuildOptions = {}): Promise<{ dir: string; files: number }> {
  const started = performance.now();
  const source = options.source ?? join(root, 'web');
  const target = options.target ?? join(root, 'dist/web');
  const pages = PAGES.filter(({ html }) => existsSync(join(source, html))).map((page) => {
    const html = readFileSync(join(source, page.html), 'utf8');
    const blocked = inlineCode(html);
    if (blocked.length) {
      throw new BuildError(`web/${page.html} has ${blocked.join(', ')}: the Content-Security-Policy blocks it`);
    }
    return { ...page, text: html, sources: sourcesOf(source, html, page.html) };
  });
  if (!pages.some(({ out }) => out === 'index.html')) throw new BuildError('web/index.html is missing');

  const staging = `${target}.building-${process.pid}-${randomUUID().slice(0, 8)}`;
  rmSync(staging, { recursive: true, force: true });
  const appDir = join(staging, ASSET_PREFIX);
  mkdirSync(appDir, { recursive: true });
  const entryPoints = [...new Set(pages.flatMap(({ sources }) => sources))];
  const result = await build({
    entryPoints,
    outbase: source,
    outdir: appDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16.4'],
    minify: true,
    sourcemap: 'linked',
    entryNames: '[dir]/[name]-[hash]',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    loader: { '.svg': 'file', '.png': 'file', '.woff2': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: root,
    // Sources outside the repository (a copy under test) still import the repository's packages.
    nodePaths: [join(root, 'node_modules')],
  });
  const { metafile } = result;
  const urlOfOutput = (output: string) => urlOf(staging, join(root, output));
  const outputFor = new Map<string, string>();
  for (const [output, meta] of Object.entries(metafile.outputs)) {
    if (meta.entryPoint) outputFor.set(join(root, meta.entryPoint), output);
  }

  for (const page of pages) {
    const links: string[] = [];
    const html = page.text.replace(REFERENCE, (whole, attribute: string, path: string) => {
      const output = outputFor.get(join(source, path));
      if (!output) return whole;
      const meta = metafile.outputs[output]!;
      // CSS a script imports comes out as a bundle of its own; the chunks it imports load in
      // parallel with it, not one after another.
      if (meta.cssBundle) links.push(`<link rel="stylesheet" href="${urlOfOutput(meta.cssBundle)}" />`);
      for (const chunk of output.endsWith('.js') ? staticImports(metafile, output) : []) {
        links.push(`<link rel="modulepreload" href="${urlOfOutput(chunk)}" />`);
      }
      return `${attribute}="${urlOfOutput(output)}"`;
    });
    const withLinks = html.replace(/(\n *)<\/head>/, (_, indent: string) =>
      [...links.map((link) => `${indent}  ${link}`), `${indent}</head>`].join(''),
    );
    writeFileSync(join(staging, page.out), withLinks);
  }
  if (existsSync(join(source, 'public'))) cpSync(join(source, 'public'), appDir, { recursive: true });

  const immutable = Object.keys(metafile.outputs)
    .map(urlOfOutput)
    .filter((url) => !url.endsWith('.map'))
    .sort();
  writeFileSync(join(staging, 'manifest.json'), `${JSON.stringify({ immutable }, null, 2)}\n`);
  if (immutable.length + 1 > MAX_HEADER_RULES) {
    throw new BuildError(`${immutable.length} hashed files: more than Workers' _headers can name one by one`);
  }
  const security = Object.entries({ 'X-Content-Type-Options': 'nosniff', ...pageSecurityHeaders() });
  writeFileSync(
    join(staging, '_headers'),
    [
      '# Written by scripts/build-web.ts: the headers the Workers assets service adds to the files under',
      '# /_app/ (the Worker itself answers every other path and sets them there).',
      `${ASSET_PREFIX}*`,
      ...security.map(([name, value]) => `  ${name}: ${value}`),
      ...immutable.flatMap((url) => [url, `  Cache-Control: ${IMMUTABLE}`]),
      '',
    ].join('\n'),
  );
  writeFileSync(join(staging, '.assetsignore'), ['*.br', '*.gz', 'manifest.json', ''].join('\n'));

  let files = 0;
  for (const file of [...filesUnder(staging)]) {
    files++;
    if (!COMPRESSED.test(file) || file.endsWith('manifest.json')) continue;
    const bytes = readFileSync(file);
    writeFileSync(`${file}.gz`, gzipSync(bytes, { level: 9 }));
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(bytes, {
        params: {
          // The best ratio, but its time grows fast with size: the /docs renderer (1.5 MB) takes 9.
          [constants.BROTLI_PARAM_QUALITY]: bytes.byteLength > BROTLI_BEST_UP_TO ? 9 : 11,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
        },
      }),
    );
  }

  mkdirSync(dirname(target), { recursive: true });
  swapIn(staging, target);
  if (!options.quiet) {
    const shown = relative(root, target).startsWith('..') ? target : relative(root, target);
    console.log(`build:web: wrote ${files} files to ${shown} in ${Math.round(performance.now() - started)} ms`);
  }
  return { dir: target, files };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await buildWeb();
  } catch (error) {
    if (error instanceof BuildError) {
      console.error(`build:web: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
