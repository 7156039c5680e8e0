/**
 * Fills a running portal over HTTP the way the Secretariat and the states would: every
 * state registered, one Ed25519 key each, and its points of contact, all signed with the
 * client library partner systems use.
 */
import type { JWK } from 'jose';
import { createRequestSigner, generateSigningKey, type RequestSigner } from '../../clients/typescript/src/index.ts';

export interface SeededState {
  id: string;
  signer: RequestSigner;
  privateJwk: JWK;
}

export interface SeededContact {
  id: string;
  state: string;
  version: number;
}

export interface Seeded {
  states: SeededState[];
  contacts: SeededContact[];
  requests: number;
  seconds: number;
}

const encoder = new TextEncoder();

/** A valid ContactInput for a state; `n` varies the text so versions differ. */
export function contactInput(state: string, index: number, notes?: string): Record<string, unknown> {
  const domain = `cert.${state.toLowerCase()}.example`;
  return {
    role: index % 2 === 0 ? 'technical' : 'policy',
    name: `Duty officer ${index + 1} of ${state}`,
    position: index % 2 === 0 ? 'Incident handler' : 'Cyber policy adviser',
    organisation: `National CERT of ${state}`,
    email: `poc${index + 1}@${domain}`,
    phone_24x7: `+4315056${String(416 + index).padStart(3, '0')}`,
    languages: ['en', 'fr'],
    time_zone: 'Europe/Vienna',
    ...(notes === undefined ? {} : { notes }),
  };
}

export async function signedJson(
  origin: string,
  signer: RequestSigner,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const bytes = body === undefined ? undefined : encoder.encode(JSON.stringify(body));
  const token = await signer.sign({ method, pathAndQuery: path, body: bytes });
  return fetch(`${origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(bytes ? { 'content-type': 'application/json' } : {}), ...headers },
    body: bytes,
  });
}

async function expectStatus(res: Response, status: number, what: string) {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

export async function seedPortal(options: {
  origin: string;
  secretariatJwk: JWK;
  states: readonly string[];
  contactsPerState: number;
  concurrency: number;
}): Promise<Seeded> {
  const started = performance.now();
  const { origin } = options;
  const secretariat = await createRequestSigner({
    principal: 'secretariat',
    privateJwk: options.secretariatJwk,
    audience: origin,
  });
  let requests = 0;

  const perState = await mapBounded(options.states, options.concurrency, async (id) => {
    await expectStatus(
      await signedJson(origin, secretariat, 'POST', '/principals', { id, name: `State ${id}` }),
      201,
      `registering ${id}`,
    );
    const key = await generateSigningKey('EdDSA');
    await expectStatus(
      await signedJson(origin, secretariat, 'POST', `/principals/${id}/keys`, {
        jwk: key.publicJwk,
        scopes: ['read', 'contacts:write'],
        label: 'bench',
      }),
      201,
      `registering a key for ${id}`,
    );
    const signer = await createRequestSigner({
      principal: id,
      privateJwk: key.privateJwk,
      audience: origin,
      lifetimeSeconds: 300,
    });
    const contacts: SeededContact[] = [];
    for (let index = 0; index < options.contactsPerState; index++) {
      const res = await expectStatus(
        await signedJson(origin, signer, 'POST', '/contacts', contactInput(id, index)),
        201,
        `creating a contact of ${id}`,
      );
      const { data } = (await res.json()) as { data: { id: string; version: number } };
      contacts.push({ id: data.id, state: id, version: data.version });
    }
    requests += 2 + options.contactsPerState;
    return { state: { id, signer, privateJwk: key.privateJwk }, contacts };
  });

  return {
    states: perState.map((entry) => entry.state),
    contacts: perState.flatMap((entry) => entry.contacts),
    requests,
    seconds: (performance.now() - started) / 1000,
  };
}
