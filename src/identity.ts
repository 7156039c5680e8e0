/**
 * The portal's identity is its public origin: the origin line of every checkpoint the log
 * signs and the `iss` of every attestation. A portal that came back under another origin
 * would start a second log over the same leaves and issue attestations nobody could match
 * with the earlier ones, so the origin is pinned in the database at the first start
 * (migrations/0008) and every start compares. Runtime-agnostic: Node checks at start,
 * the Worker on its first request.
 */
import { sql } from 'kysely';
import { fromBase64url } from '../clients/typescript/src/base64.ts';
import type { PortalDb } from './db/portal-db.ts';

export interface PinnedOrigin {
  origin: string;
  pinnedAt: string;
  /** True when this call pinned it (first start, or a deliberate change). */
  pinnedNow: boolean;
}

/** The configured origin is not the one this data was created under. */
export class OriginMismatch extends Error {
  constructor(
    readonly pinned: string,
    readonly configured: string,
    readonly pinnedAt: string,
    /** Attestations issued so far (all under `pinned` or before). */
    readonly attestations: number,
    hint = '',
  ) {
    super(
      `this portal's data is pinned to the public origin ${pinned} (since ${pinnedAt}), but it is configured with ${configured}. ` +
        `The origin is the log's identity (the checkpoints' origin line) and the iss of the ${attestations} ` +
        `attestation(s) issued so far.${hint ? ` ${hint}` : ''}`,
    );
    this.name = 'OriginMismatch';
  }
}

export async function currentOrigin(db: PortalDb): Promise<{ origin: string; pinnedAt: string } | null> {
  const row = await db.kysely
    .selectFrom('portal_origins')
    .select(['origin', 'pinned_at'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { origin: row.origin, pinnedAt: row.pinned_at } : null;
}

async function attestationCount(db: PortalDb): Promise<number> {
  const row = await db.kysely
    .selectFrom('attestations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The `iss` of the newest attestation: the origin of data attested before 0008 pinned it. */
async function lastIssuer(db: PortalDb): Promise<string | null> {
  const row = await db.kysely
    .selectFrom('attestations')
    .select('token')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  try {
    const payload = fromBase64url(row.token.split('.')[1]!);
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { iss?: unknown };
    return typeof claims.iss === 'string' ? claims.iss : null;
  } catch {
    return null;
  }
}

/**
 * Pins `configured` on first use, or checks it against the pinned origin. With
 * `acceptChangeTo` equal to `configured` (the operator's explicit step), a different pinned
 * origin is replaced and the change recorded. Throws OriginMismatch otherwise.
 */
export async function pinOrigin(
  db: PortalDb,
  configured: string,
  now: Date,
  options: { acceptChangeTo?: string | null /** How to change it, on this runtime. */; hint?: string } = {},
): Promise<PinnedOrigin> {
  let pinned = await currentOrigin(db);
  if (!pinned) {
    // Data from before the origin was pinned: its attestations say which origin it had.
    const issuer = await lastIssuer(db);
    const origin = issuer ?? configured;
    const reason = issuer
      ? 'pinned from the iss of the attestations issued before the origin was pinned'
      : 'first start';
    // Several Worker isolates may race here: the first row wins, and all compare with it.
    await db.commit([
      sql`INSERT INTO portal_origins (origin, pinned_at, reason)
          SELECT ${origin}, ${now.toISOString()}, ${reason} WHERE NOT EXISTS (SELECT 1 FROM portal_origins)`.compile(
        db.kysely,
      ),
    ]);
    pinned = (await currentOrigin(db))!;
    if (pinned.origin === configured) return { ...pinned, pinnedNow: true };
  }
  if (pinned.origin === configured) return { ...pinned, pinnedNow: false };
  if (options.acceptChangeTo === configured) {
    await changeOrigin(db, configured, now, `changed from ${pinned.origin} by the operator`);
    return { origin: configured, pinnedAt: now.toISOString(), pinnedNow: true };
  }
  throw new OriginMismatch(pinned.origin, configured, pinned.pinnedAt, await attestationCount(db), options.hint);
}

/** Records a deliberate change of origin (the operator's step; see pinOrigin). */
export async function changeOrigin(db: PortalDb, origin: string, now: Date, reason: string): Promise<void> {
  await db.commit([
    db.kysely.insertInto('portal_origins').values({ origin, pinned_at: now.toISOString(), reason }).compile(),
  ]);
}
