/**
 * The keys of one principal, and which signs what. A state holds keys with different
 * scopes (contacts, documents, incidents, the notifier's); its profile names them all, and
 * each request is signed with a key whose scopes cover the scope the contract's operation
 * requires (`security: - signedRequest: [scope]`, read from the portal's own
 * /openapi.json, never copied here). A request no key may sign is refused before it is
 * sent, naming the missing scope and which keys hold what.
 */
import { existsSync } from 'node:fs';
import type { JWK } from 'jose';
import { PortalError, type Problem } from '../client.ts';
import { createRequestSigner, type RequestSigner, type RequestToSign } from '../sign.ts';
import type { Context } from './context.ts';
import { LocalError } from './errors.ts';
import { profileKeys, withKeys, writeProfile, type ProfileKey } from './profile.ts';

/** What the portal says about one of the profile's keys. */
export interface KeyState {
  file: string;
  kid: string;
  signer: RequestSigner;
  /** active, expired, revoked, or unknown (not registered for this principal). */
  status: 'active' | 'expired' | 'revoked' | 'unknown' | 'unchecked';
  scopes: string[] | null;
  /** The refusal that told us, for expired, revoked and unknown keys (its when, its successor). */
  problem?: Problem;
}

export async function signerFor(ctx: Context, file: string): Promise<RequestSigner> {
  const privateJwk = ctx.readJsonFile<JWK>(file);
  if (!privateJwk.d) throw new LocalError(`${file} is not a private key (no "d"): use the file cbm keygen wrote`);
  try {
    return await createRequestSigner({ principal: ctx.principal(), privateJwk, audience: ctx.origin() });
  } catch (error) {
    throw new LocalError(`${file}: ${(error as Error).message}`);
  }
}

type Contract = { paths?: Record<string, Record<string, { security?: Record<string, string[]>[] }>> };

/** The scope the contract requires for a method and path (undefined: public, or no such path). */
export function scopeOf(contract: Contract, method: string, path: string): string | undefined {
  let best: { scope: string | undefined; params: number } | undefined;
  for (const [template, item] of Object.entries(contract.paths ?? {})) {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (!pattern.test(path)) continue;
    const params = (template.match(/\{/g) ?? []).length;
    // A literal segment beats a parameter (/states/compliance before /states/{stateId}).
    if (best && best.params <= params) continue;
    const security = item[method.toLowerCase()]?.security;
    best = { scope: security?.[0]?.signedRequest?.[0], params };
  }
  return best?.scope;
}

/**
 * Each of the profile's keys with its kid and, when needed, its scopes and status as the
 * portal sees them (asked with the key itself; learnt scopes are kept in the profile, as a
 * kid's scopes never change).
 */
export async function keyStates(
  ctx: Context,
  options: { check: boolean; entries?: ProfileKey[] },
): Promise<KeyState[]> {
  const own = !options.entries;
  const listed = options.entries ?? profileKeys(ctx.profile);
  // A key named in the profile but not made yet (cbm init names the default before keygen)
  // cannot sign; the others still can.
  const present = listed.filter((entry) => existsSync(entry.file));
  const entries = present.length ? present : listed;
  const states: KeyState[] = [];
  let learnt = false;
  for (const entry of entries) {
    const signer = await signerFor(ctx, entry.file);
    const state: KeyState = {
      file: entry.file,
      kid: signer.kid,
      signer,
      status: 'unchecked',
      scopes: entry.kid === signer.kid ? (entry.scopes ?? null) : null,
    };
    if (options.check || !state.scopes) {
      const client = await ctx.clientWith(signer);
      const answer = await client.GET('/principals/{principalId}/keys/{kid}', {
        params: { path: { principalId: ctx.principal(), kid: signer.kid } },
      });
      if (answer.data) {
        state.status = answer.data.status;
        state.scopes = answer.data.scopes;
      } else {
        const problem = new PortalError(answer.response, answer.error).problem;
        if (problem.status >= 500) throw new PortalError(answer.response, answer.error);
        state.problem = problem;
        state.status =
          problem.code === 'key-expired'
            ? 'expired'
            : problem.code === 'key-revoked'
              ? 'revoked'
              : problem.code === 'insufficient-scope'
                ? 'active'
                : 'unknown';
      }
    }
    if (state.scopes && (entry.kid !== state.kid || entry.scopes?.join() !== state.scopes.join())) learnt = true;
    states.push(state);
  }
  // A key without read cannot read its own record: another key of the profile can.
  const reader = states.find((state) => state.status === 'active' && state.scopes?.includes('read'));
  for (const state of states.filter((candidate) => !candidate.scopes && candidate.status === 'active' && reader)) {
    const client = await ctx.clientWith(reader!.signer);
    const answer = await client.GET('/principals/{principalId}/keys/{kid}', {
      params: { path: { principalId: ctx.principal(), kid: state.kid } },
    });
    if (answer.data) {
      state.scopes = answer.data.scopes;
      learnt = true;
    }
  }
  if (learnt && own && ctx.profile) {
    const updated = asProfileKeys(states);
    writeProfile(
      ctx.profileFile,
      withKeys(
        ctx.profile,
        listed.map((entry) => updated.find((key) => key.file === entry.file) ?? entry),
      ),
      ctx.io.env,
    );
  }
  return states;
}

/** The profile's entries for these keys, with what was learnt about them. */
export const asProfileKeys = (states: KeyState[]): ProfileKey[] =>
  states.map((state) => ({ file: state.file, kid: state.kid, ...(state.scopes ? { scopes: state.scopes } : {}) }));

export const describeKey = (state: Pick<KeyState, 'file' | 'kid' | 'scopes' | 'status'>) =>
  `${state.file} (kid ${state.kid.slice(0, 12)}…, ` +
  `${state.status === 'unchecked' ? '' : `${state.status}, `}scopes ${state.scopes?.join(' ') ?? 'unknown'})`;

/**
 * A signer that signs each request with the first of the profile's keys whose scopes
 * cover what the contract requires for it; when none does, a LocalError that says which
 * scope is missing and what each key holds.
 */
export async function keyringSigner(ctx: Context): Promise<RequestSigner> {
  const states = await keyStates(ctx, { check: false });
  const usable = states.filter((state) => state.status === 'active' || state.status === 'unchecked');
  const fallback = usable[0] ?? states[0]!;
  let contract: Promise<Contract> | undefined;
  const basePath = new URL(ctx.portal()).pathname.replace(/\/+$/, '');
  const choose = async (request: RequestToSign): Promise<RequestSigner> => {
    contract ??= ctx
      .fetch(
        new Request(`${ctx.portal()}/openapi.json`, { headers: { Accept: 'application/json', 'User-Agent': 'cbm' } }),
      )
      .then(async (answer) => {
        if (!answer.ok)
          throw new LocalError(
            `the portal at ${ctx.portal()} serves no /openapi.json (${answer.status}): cannot tell which key fits; name one with --key`,
          );
        return (await answer.json()) as Contract;
      });
    const path = request.pathAndQuery.split('?')[0]!.slice(basePath.length) || '/';
    const scope = scopeOf(await contract, request.method, path);
    if (!scope) return fallback.signer;
    const fit = usable.find((state) => state.scopes?.includes(scope));
    if (fit) return fit.signer;
    throw new LocalError(
      [
        `${request.method} ${path} needs a key with the scope ${scope}, and none of the profile's keys has it:`,
        ...states.map((state) => `  ${describeKey(state)}`),
        `Ask the Secretariat to register a key with ${scope}: cbm keygen --name NAME writes one into ` +
          `${ctx.profileFile}'s keys and prints the public half to hand over.`,
      ].join('\n'),
    );
  };
  return {
    principal: fallback.signer.principal,
    kid: fallback.kid,
    alg: fallback.signer.alg,
    sign: async (request) => (await choose(request)).sign(request),
    signWith: async (request, overrides) => (await choose(request)).signWith(request, overrides),
  };
}
