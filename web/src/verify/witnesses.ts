/**
 * Who witnessed the portal's log (issue 14 item 3): the latest checkpoint, verified with the
 * pinned portal keys, and the states whose cosignatures on it verify against witness keys
 * proven through their attested registrations (never the portal's list taken on its word).
 */
import { createVerifier, type PinnedJwks } from '../../../clients/typescript/src/audit.ts';
import { ok, type PortalClient } from '../../../clients/typescript/src/client.ts';
import { toBase64 } from '../../../clients/typescript/src/log.ts';
import { cosignersOf, provenWitnessKeys } from '../../../clients/typescript/src/witness.ts';

export interface WitnessRow {
  principal: string;
  kid: string;
  /** `proven`: its registration verifies; `refused`: listed but not proven (see reason); or the portal's status. */
  standing: 'proven' | 'refused' | 'revoked' | 'expired';
  reason?: string;
  /** When it cosigned the latest checkpoint (ISO), or null. */
  cosignedAt: string | null;
}

export interface WitnessView {
  checkpoint: { size: number; root: string };
  /** States whose proven witness key cosigned the latest checkpoint, sorted. */
  cosigners: string[];
  rows: WitnessRow[];
}

export async function latestWitnesses(options: {
  client: PortalClient;
  issuer: string;
  jwks: PinnedJwks;
}): Promise<WitnessView> {
  const { client, issuer, jwks } = options;
  const verifier = createVerifier(client, { issuer, jwks });
  const head = await verifier.checkpoint();
  const listed = await ok(client.GET('/log/witnesses'));
  const { keys, refused } = await provenWitnessKeys(client, verifier, head, jwks);
  const cosigners = await cosignersOf(head.note, keys);
  const rows = listed.witnesses.map((witness): WitnessRow => {
    const proven = keys.some((key) => key.principal === witness.principal && key.jwk.x === witness.jwk.x);
    const refusal = refused.find((one) => one.principal === witness.principal && one.kid === witness.kid);
    const cosigned = proven ? cosigners.find((one) => one.principal === witness.principal) : undefined;
    return {
      principal: witness.principal,
      kid: witness.kid,
      standing: witness.status !== 'active' ? witness.status : proven ? 'proven' : 'refused',
      ...(refusal && witness.status === 'active' ? { reason: refusal.reason } : {}),
      cosignedAt: cosigned ? new Date(cosigned.timestamp * 1000).toISOString() : null,
    };
  });
  return {
    checkpoint: { size: head.size, root: toBase64(head.root) },
    cosigners: [...new Set(cosigners.map((one) => one.principal))].sort(),
    rows,
  };
}
