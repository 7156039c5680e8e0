import type { components } from '../generated/openapi.ts';

/** How every write answer names its attestation: id, token, log index and where to fetch it. */
export type AttestationRef = components['schemas']['AttestationRef'];

export const attestationHref = (id: string) => `/attestations/${id}`;
