/**
 * The minted portal (mint.ts) answering over HTTP, for the online verifier (createVerifier):
 * attestations, evidence (and bodies recorded by reference), key proofs, inclusion and
 * consistency proofs and the signed checkpoint, each made from the minted writes; records
 * to compare with what was signed are given by the test. Every request is recorded, so a
 * test can tell what the verifier asked for, and each answer can be changed to play a
 * portal that lies or lags.
 */
import type { FetchLike } from '../src/client.ts';
import { consistencyProof, path, type mintPortal } from './mint.ts';

type MintedPortal = Awaited<ReturnType<typeof mintPortal>>;

export interface MintServer {
  fetch: FetchLike;
  /** Paths and queries asked for, in order. */
  requests: string[];
  /** The checkpoint served covers this many leaves (default: every leaf so far). */
  head?: number;
  /** Served records by path (a list page by path and `cursor`: `path?cursor=c`). */
  records: Map<string, unknown>;
  /** Answers that replace the minted ones, by path and query. */
  override: Map<string, () => Response>;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function serveMinted(portal: MintedPortal): MintServer {
  const server: MintServer = { fetch: handle, requests: [], records: new Map(), override: new Map() };
  const byId = (id: string) => portal.writes.find((write) => write.attestation.id === id);

  async function leaves(size: number) {
    return (await portal.checkpoint(size)).leaves;
  }

  /** A key as GET /principals/{principalId}/keys/{kid} tells it: the writes that registered and revoked it. */
  function key(principal: string, kid: string) {
    const registration = portal.writes.find(
      (write) =>
        write.claims.sub === `urn:cbm:key:${kid}` && write.evidence.path.startsWith(`/principals/${principal}/keys`),
    );
    const revocation = portal.writes.find((write) => write.claims.sub === `urn:cbm:key:${kid}:revocation`);
    const pinned = principal === 'secretariat' && kid === portal.secretariat.kid;
    if (!registration && !pinned) return undefined;
    return {
      principal_id: principal,
      kid,
      registration_attestation_id: registration?.attestation.id ?? null,
      revocation_attestation_id: revocation?.attestation.id ?? null,
    };
  }

  async function answer(url: URL): Promise<Response> {
    const where = url.pathname + url.search;
    const replaced = server.override.get(where);
    if (replaced) return replaced();
    const size = server.head ?? portal.writes.length;
    const query = (name: string) => Number(url.searchParams.get(name));
    if (url.pathname === '/log/checkpoint')
      return new Response((await portal.checkpoint(size)).note, {
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    if (url.pathname === '/log/proofs/inclusion') {
      const proof = await path(query('leaf_index'), await leaves(query('tree_size')));
      return json({ leaf_index: query('leaf_index'), tree_size: query('tree_size'), proof: proof.map(b64) });
    }
    if (url.pathname === '/log/proofs/consistency') {
      return json({
        first: query('first'),
        second: query('second'),
        proof: (await consistencyProof(query('first'), await leaves(query('second')))).map(b64),
      });
    }
    const attestation = /^\/attestations\/([^/]+)(\/evidence(\/body)?)?$/.exec(url.pathname);
    if (attestation) {
      const write = byId(attestation[1]!);
      if (!write) return json({ status: 404, code: 'not-found', title: 'Not Found' }, 404);
      if (attestation[3])
        return new Response(write.bytes as Uint8Array<ArrayBuffer>, {
          headers: { 'content-type': 'application/octet-stream' },
        });
      if (attestation[2]) return json(write.evidence);
      return json({ id: write.attestation.id, token: write.attestation.token, log_index: write.attestation.log_index });
    }
    const keyPath = /^\/principals\/([^/]+)\/keys\/([^/]+)$/.exec(url.pathname);
    if (keyPath) {
      const found = key(decodeURIComponent(keyPath[1]!), decodeURIComponent(keyPath[2]!));
      return found ? json(found) : json({ status: 404, code: 'not-found', title: 'Not Found' }, 404);
    }
    const record = server.records.get(where) ?? (url.search ? undefined : server.records.get(url.pathname));
    return record === undefined ? json({ status: 404, code: 'not-found', title: 'Not Found' }, 404) : json(record);
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    server.requests.push(url.pathname + url.search);
    return answer(url);
  }

  return server;
}
