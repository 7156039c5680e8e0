/**
 * What every command gets: its arguments and options, the resolved profile (flags, then
 * environment, then the profile file), a signed typed client, a verifier, what cbm
 * remembers, and one way to print results (human lines, or JSON with --json).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createVerifier, type Verifier } from '../audit.ts';
import { createPortalClient, type FetchLike, type PortalClient } from '../client.ts';
import type { RequestSigner } from '../sign.ts';
import { LocalError, Unreachable, UsageError } from './errors.ts';
import { keyringSigner, signerFor } from './keyring.ts';
import { memory, profileKeys, profilePath, readProfile, type Profile } from './profile.ts';
import type { ProgressStream } from './progress.ts';
import { trustedJwks } from './trust.ts';

export const DEFAULT_PORTAL = 'http://127.0.0.1:8787';

export interface Io {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
  readStdin(): Promise<string>;
}

export type Options = Record<string, string | boolean | string[] | undefined>;

export interface Context {
  args: string[];
  opts: Options;
  json: boolean;
  io: Io;
  profileFile: string;
  profile: Profile | undefined;
  memory: ReturnType<typeof memory>;
  /** Base URL of the portal (no trailing slash). */
  portal(): string;
  /** The portal's public origin: `aud` of request tokens, `iss` of attestations. */
  origin(): string;
  principal(): string;
  keyFile(): string;
  /** The signer of this command: the key named, or the profile's key whose scopes fit each request. */
  signer(): Promise<RequestSigner>;
  client(): Promise<PortalClient>;
  /** A client that signs with this one signer. */
  clientWith(signer: RequestSigner): Promise<PortalClient>;
  anonymous(): Promise<PortalClient>;
  verifier(): Promise<Verifier>;
  /** fetch with the network errors and timeout mapped to exit code 4. */
  fetch: FetchLike;
  /** The result: JSON with --json, else the human lines (stdout). */
  emit(value: unknown, human?: string | string[] | (() => string | string[])): void;
  /** A note for people on stderr (also with --json; never on stdout). */
  note(text: string): void;
  readJsonFile<T>(file: string): T;
}

/** Options where a person types state codes: `at`, `at,be` mean AT, AT,BE. */
const STATE_OPTIONS = ['as', 'state', 'states', 'recipients'];

function normaliseStateCodes(opts: Options): Options {
  const upper = (value: string) =>
    value
      .split(/([\s,]+)/)
      .map(principalId)
      .join('');
  return Object.fromEntries(
    Object.entries(opts).map(([name, value]) => [
      name,
      !STATE_OPTIONS.includes(name)
        ? value
        : typeof value === 'string'
          ? upper(value)
          : Array.isArray(value)
            ? value.map(upper)
            : value,
    ]),
  );
}

export function createContext(args: string[], given: Options, io: Io): Context {
  const opts = normaliseStateCodes(given);
  const json = opts.json === true;
  const profileFile = profilePath(opts.profile as string | undefined, io.env);
  const profile = readProfile(profileFile);
  const str = (name: string) => (typeof opts[name] === 'string' ? (opts[name] as string) : undefined);
  const timeoutMs = (() => {
    const raw = str('timeout') ?? io.env.CBM_TIMEOUT;
    if (raw === undefined) return 60_000;
    const seconds = Number(raw);
    if (!(seconds > 0)) throw new UsageError(`--timeout is a number of seconds, not ${raw}`);
    return seconds * 1000;
  })();

  const portal = () => {
    const url = str('portal') ?? io.env.CBM_PORTAL ?? profile?.portal ?? DEFAULT_PORTAL;
    return checkPortalUrl(url).replace(/\/+$/, '');
  };
  const origin = () => new URL(portal()).origin;
  const principal = () => {
    const value = str('as') ?? io.env.CBM_PRINCIPAL ?? profile?.principal;
    if (!value) throw new UsageError('name the signing principal: --as PRINCIPAL (or CBM_PRINCIPAL, or cbm init)');
    return principalId(value);
  };
  const keyFile = () => {
    const value = str('key') ?? io.env.CBM_KEY ?? profileKeys(profile)[0]?.file;
    if (!value) throw new UsageError('name the private key: --key FILE (or CBM_KEY, or cbm init and cbm keygen)');
    return value;
  };

  const readJsonFile = <T>(file: string): T => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new LocalError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new LocalError(`${file} is not valid JSON: ${(error as Error).message}`);
    }
  };

  const fetchWithTimeout: FetchLike = async (request) => {
    try {
      // A streamed body (an upload with a progress bar) is sent half-duplex.
      const init: RequestInit & { duplex?: 'half' } = { signal: AbortSignal.timeout(timeoutMs) };
      if (request.body) init.duplex = 'half';
      return await fetch(request, init);
    } catch (error) {
      const failure = error as Error & { cause?: { code?: string; message?: string } };
      if (failure.name === 'TimeoutError' || failure.name === 'AbortError')
        throw new Unreachable(`no answer from the portal at ${portal()} within ${timeoutMs / 1000} s`);
      const reason = failure.cause?.code ?? failure.cause?.message ?? failure.message;
      throw new Unreachable(`cannot reach the portal at ${portal()}: ${reason}`);
    }
  };

  let signerPromise: Promise<RequestSigner> | undefined;
  // A key named for this run (--key, CBM_KEY) signs everything; else the profile's keys share the work.
  const named = () => str('key') ?? io.env.CBM_KEY;
  const signer = () =>
    (signerPromise ??= (async () => {
      principal();
      origin(); // a bad portal URL is reported as such, not as a problem with the key file
      const keys = profileKeys(profile).filter((key) => existsSync(key.file));
      if (!named() && keys.length > 1) return keyringSigner(context);
      return signerFor(context, named() ?? keys[0]?.file ?? keyFile());
    })());

  let clientPromise: Promise<PortalClient> | undefined;
  let anonymousPromise: Promise<PortalClient> | undefined;
  const clientWith = async (s: RequestSigner) =>
    createPortalClient({ baseUrl: portal(), signer: s, fetch: fetchWithTimeout, headers: { 'User-Agent': 'cbm' } });
  const client = () => (clientPromise ??= signer().then(clientWith));
  const anonymous = () =>
    (anonymousPromise ??= createPortalClient({
      baseUrl: portal(),
      fetch: fetchWithTimeout,
      headers: { 'User-Agent': 'cbm' },
    }));
  // Only against keys pinned at first contact, or named with --jwks: never fetched blindly.
  let verifierPromise: Promise<Verifier> | undefined;
  const verifier = () =>
    (verifierPromise ??= (async () =>
      createVerifier(await client(), { issuer: origin(), jwks: await trustedJwks(context, { online: true }) }))());

  const write = (text: string) => io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const context: Context = {
    args,
    opts,
    json,
    io,
    profileFile,
    profile,
    memory: memory(profileFile),
    portal,
    origin,
    principal,
    keyFile,
    signer,
    client,
    clientWith,
    anonymous,
    verifier,
    fetch: fetchWithTimeout,
    emit(value, human) {
      if (json || human === undefined) {
        write(JSON.stringify(value, null, 2));
        return;
      }
      const lines = typeof human === 'function' ? human() : human;
      write(Array.isArray(lines) ? lines.join('\n') : lines);
    },
    note(text) {
      io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    readJsonFile,
  };
  return context;
}

/** A portal URL as people type it: a missing scheme is named, not reported as something else. */
export function checkPortalUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new UsageError(
      `the portal URL ${url} has no scheme: write https://${url.replace(/^\/+/, '')} (or ` +
        `http://${url.replace(/^\/+/, '')} for a portal on this computer)`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`the portal URL ${url} is not a URL: write it as https://host[:port]`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`the portal URL ${url} is not an http(s) URL: write https://host[:port]`);
  return url;
}

/** A principal as people type it: state codes are upper case (`at` is AT); secretariat stays. */
export function principalId(value: string): string {
  return /^[a-z]{2}$/i.test(value) ? value.toUpperCase() : value;
}
