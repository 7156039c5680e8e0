/**
 * Bodies and helpers for incident and consultation tests, on every runtime (no Node-only
 * APIs): a valid body for each create, overridable field by field (`undefined` drops one).
 */
import type { PortalHarness, TestClient } from './harness.ts';

/** What a state's incident desk holds: reads, and incidents and consultations. */
export const INCIDENT_SCOPES = ['read', 'incidents:write'];

/** A valid IncidentInput: TLP:AMBER to Belgium, aware an hour before the harness's START. */
export function incidentBody(overrides: Record<string, unknown> = {}) {
  return {
    title: 'DDoS against the federal e-government portal',
    summary: 'Volumetric DDoS (UDP reflection) against the e-government portal since 08:00 UTC; service degraded.',
    aware_at: '2026-11-27T08:00:00.000Z',
    rsit_class: 'availability',
    rsit_type: 'ddos',
    severity: { scale: 'national CSIRT scale 1-4', value: '3' },
    suspected_malicious: true,
    cross_border_impact: 'unknown',
    sectors: ['public-administration'],
    indicators: [{ type: 'ipv4', value: '198.51.100.23' }],
    tlp: 'TLP:AMBER',
    recipients: ['BE'],
    ...overrides,
  };
}

/** A valid ConsultationRequestInput: TLP:AMBER (the default) to Belgium. */
export function requestBody(overrides: Record<string, unknown> = {}) {
  return {
    type: 'consultation',
    subject: 'Traffic from your address space in an ongoing DDoS',
    body: 'We observe reflection traffic from 198.51.100.0/24 against our e-government portal. Can you help us understand its origin?',
    urgency: 'high',
    recipients: ['BE'],
    ...overrides,
  };
}

export interface Written<T = { id: string }> {
  data: T;
  attestation: { id: string; token: string; log_index: number; href: string };
}

/** Registers states that hold the incident scopes. */
export async function incidentStates<const Ids extends readonly string[]>(
  portal: PortalHarness,
  ids: Ids,
): Promise<{ [K in Ids[number]]: TestClient }> {
  const clients: Record<string, TestClient> = {};
  for (const id of ids) clients[id] = await portal.registerState(id, { scopes: INCIDENT_SCOPES });
  return clients as { [K in Ids[number]]: TestClient };
}

/** POSTs and expects 201; returns the parsed answer. */
export async function created<T = { id: string }>(
  client: TestClient,
  path: string,
  body: unknown,
  headers?: Record<string, string>,
): Promise<Written<T>> {
  const res = await client.post(path, body, { headers });
  if (res.status !== 201) throw new Error(`POST ${path} as ${client.principal}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Written<T>;
}
