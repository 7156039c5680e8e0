#!/usr/bin/env -S npx tsx
/**
 * `cbm`: the command line for points of contact and the Secretariat.
 *
 *   cbm keygen [--alg EdDSA|ES256] --out FILE
 *   cbm request METHOD PATH [JSON | @file] [--if-match ETAG]
 *   cbm verify ATTESTATION_ID [--save FILE]
 *   cbm verify --bundle FILE [--jwks FILE]
 *
 * Common options (or environment): --portal (CBM_PORTAL, default http://127.0.0.1:8787),
 * --as principal (CBM_PRINCIPAL), --key private JWK file (CBM_KEY), --json.
 * Exit codes: 0 done, 1 the portal refused, 2 usage or local error, 3 verification failed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { JSONWebKeySet, JWK } from 'jose';
import { generateSigningKey, type KeyAlgorithm } from './keys.ts';
import { createRequestSigner, signedFetch } from './sign.ts';
import { verifyAttestation, verifyEvidence, type Evidence } from './verify.ts';

const USAGE = `usage:
  cbm keygen [--alg EdDSA|ES256] --out FILE      new key pair; prints the public JWK for the Secretariat
  cbm request METHOD PATH [JSON|@file]            signed request; prints the answer
        [--if-match ETAG]
  cbm verify ATTESTATION_ID [--save FILE]         fetch an attestation and its evidence, verify both signatures
  cbm verify --bundle FILE [--jwks FILE]          verify a saved bundle offline (pin the portal JWKS with --jwks)
options: --portal URL (CBM_PORTAL)  --as PRINCIPAL (CBM_PRINCIPAL)  --key FILE (CBM_KEY)  --json`;

class UsageError extends Error {}
class Refused extends Error {}
class VerificationFailed extends Error {}

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    portal: { type: 'string' },
    as: { type: 'string' },
    key: { type: 'string' },
    alg: { type: 'string' },
    out: { type: 'string' },
    'if-match': { type: 'string' },
    save: { type: 'string' },
    bundle: { type: 'string' },
    jwks: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

const portal = (opts.portal ?? process.env.CBM_PORTAL ?? 'http://127.0.0.1:8787').replace(/\/$/, '');
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const print = (value: unknown) => console.log(JSON.stringify(value, null, 2));

async function signer() {
  const principal = opts.as ?? process.env.CBM_PRINCIPAL;
  const keyFile = opts.key ?? process.env.CBM_KEY;
  if (!principal || !keyFile) throw new UsageError('name the signer: --as PRINCIPAL --key FILE (or CBM_PRINCIPAL, CBM_KEY)');
  return createRequestSigner({ principal, privateJwk: readJson<JWK>(keyFile), audience: new URL(portal).origin });
}

async function answer(response: Response): Promise<unknown> {
  const text = await response.text();
  const body = text && /json/.test(response.headers.get('content-type') ?? '') ? (JSON.parse(text) as unknown) : text;
  if (!response.ok) {
    const problem = body as { title?: string; detail?: string; code?: string; errors?: { pointer?: string; parameter?: string; detail: string }[] };
    const lines = [`${response.status} ${problem.title ?? response.statusText}${problem.code ? ` (${problem.code})` : ''}`];
    if (problem.detail) lines.push(problem.detail);
    for (const error of problem.errors ?? []) lines.push(`  ${error.pointer ?? error.parameter ?? ''}: ${error.detail}`);
    if (opts.json) print(body);
    throw new Refused(lines.join('\n'));
  }
  return body;
}

async function keygen() {
  if (!opts.out) throw new UsageError('keygen needs --out FILE for the private key');
  const alg = (opts.alg ?? 'EdDSA') as KeyAlgorithm;
  if (alg !== 'EdDSA' && alg !== 'ES256') throw new UsageError('--alg is EdDSA or ES256');
  const pair = await generateSigningKey(alg);
  writeFileSync(opts.out, `${JSON.stringify(pair.privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  if (!opts.json) console.error(`private key written to ${opts.out} (mode 0600); give the Secretariat this public key (kid ${pair.kid}):`);
  print(pair.publicJwk);
}

async function request([method, path, bodyArg]: string[]) {
  if (!method || !path?.startsWith('/')) throw new UsageError('request needs METHOD and a PATH starting with /');
  const body = bodyArg === undefined ? undefined : bodyArg.startsWith('@') ? readFileSync(bodyArg.slice(1)) : Buffer.from(bodyArg);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body) headers['content-type'] = 'application/json';
  if (opts['if-match']) headers['if-match'] = opts['if-match'];
  const response = await signedFetch(await signer())(`${portal}${path}`, { method: method.toUpperCase(), headers, body });
  const etag = response.headers.get('etag');
  const result = await answer(response);
  if (etag && !opts.json) console.error(`ETag: ${etag}`);
  print(result);
}

interface Bundle {
  portal: string;
  jwks: JSONWebKeySet;
  attestation: { id: string; token: string };
  evidence: Evidence;
  principal_keys: JWK[];
}

async function fetchBundle(id: string): Promise<Bundle> {
  const fetchSigned = signedFetch(await signer());
  const attestation = (await answer(await fetchSigned(`${portal}/attestations/${id}`))) as Bundle['attestation'];
  const evidence = (await answer(await fetchSigned(`${portal}/attestations/${id}/evidence`))) as Evidence;
  const keys = (await answer(await fetchSigned(`${portal}/principals/${evidence.principal}/keys?status=all`))) as { items: { kid: string; jwk: JWK }[] };
  const jwks = (await answer(await fetch(`${portal}/.well-known/jwks.json`))) as JSONWebKeySet;
  return { portal: new URL(portal).origin, jwks, attestation, evidence, principal_keys: keys.items.map((key) => ({ ...key.jwk, kid: key.kid })) };
}

async function verify([id]: string[]) {
  const bundle = opts.bundle ? readJson<Bundle>(opts.bundle) : id ? await fetchBundle(id) : undefined;
  if (!bundle) throw new UsageError('verify needs an ATTESTATION_ID or --bundle FILE');
  if (opts.save) writeFileSync(opts.save, `${JSON.stringify(bundle, null, 2)}\n`);
  const jwks = opts.jwks ? readJson<JSONWebKeySet>(opts.jwks) : bundle.jwks;
  try {
    const claims = await verifyAttestation(bundle.attestation.token, jwks, { issuer: bundle.portal });
    const stateKey = bundle.principal_keys.find((key) => key.kid === bundle.evidence.kid);
    if (!stateKey) throw new Error(`no public key ${bundle.evidence.kid} of ${bundle.evidence.principal} in the bundle`);
    const { body } = await verifyEvidence(bundle.evidence, claims, stateKey);
    const report = {
      verified: true,
      attestation: claims.jti,
      subject: claims.sub,
      principal: claims.principal,
      operation: claims.operation,
      issued_at: new Date(claims.iat * 1000).toISOString(),
      portal_signature: 'valid',
      principal_signature: 'valid',
      body_bytes: body.byteLength,
    };
    if (opts.json) print(report);
    else {
      console.log(`verified: ${claims.sub}`);
      console.log(`  ${claims.operation} by ${claims.principal} at ${report.issued_at}`);
      console.log(`  portal signature valid (kid in JWKS); ${claims.principal}'s own signature over the ${body.byteLength} body bytes valid`);
    }
  } catch (error) {
    throw new VerificationFailed(`NOT verified: ${(error as Error).message}`);
  }
}

async function main() {
  const [command, ...rest] = positionals;
  if (opts.help || !command) {
    console.log(USAGE);
    return;
  }
  const commands: Record<string, (args: string[]) => Promise<void>> = { keygen, request, verify };
  const run = commands[command];
  if (!run) throw new UsageError(`unknown command ${command}`);
  await run(rest);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Refused) {
    console.error(message);
    process.exit(1);
  }
  if (error instanceof VerificationFailed) {
    console.error(message);
    process.exit(3);
  }
  console.error(error instanceof UsageError ? `${message}\n\n${USAGE}` : `cbm: ${message}`);
  process.exit(2);
});
