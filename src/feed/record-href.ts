/**
 * Where the record behind an attestation subject can be read. Subjects name record
 * versions and events (urn:cbm:<kind>:<id>[:...]); each feature adds its pattern here.
 */
// Key events (urn:cbm:key:<kid>) have no href: the subject does not name the key's owner.
const patterns: [RegExp, (match: RegExpExecArray, principal: string) => string][] = [
  [/^urn:cbm:principal:([A-Za-z]+)$/, (m) => `/principals/${m[1]}`],
  [/^urn:cbm:contact:([0-9a-f-]{36}):v\d+$/, (m) => `/contacts/${m[1]}`],
  [/^urn:cbm:confirmation:[0-9a-f-]{36}$/, (_m, principal) => `/states/${principal}/confirmations`],
  [/^urn:cbm:check:([0-9a-f-]{36})(?::ack:[A-Z]{2})?$/, (m) => `/checks/${m[1]}`],
  // A document version, or the upload of a file it declares.
  [/^urn:cbm:document:([0-9a-f-]{36}):(?:v\d+|file:[A-Za-z0-9_-]{43})$/, (m) => `/documents/${m[1]}`],
  [/^urn:cbm:incident:([0-9a-f-]{36}):report:(\d+)$/, (m) => `/incidents/${m[1]}/reports/${m[2]}`],
  [/^urn:cbm:incident:([0-9a-f-]{36}):ack:[A-Z]{2}$/, (m) => `/incidents/${m[1]}/acknowledgements`],
  [/^urn:cbm:consultation:([0-9a-f-]{36})$/, (m) => `/requests/${m[1]}`],
  [/^urn:cbm:consultation:([0-9a-f-]{36}):response:[A-Z]{2}:\d+$/, (m) => `/requests/${m[1]}/responses`],
  // Competent bodies, channels, expert meetings (migration 0011) and participations in them.
  [/^urn:cbm:body:([0-9a-f-]{36}):v\d+$/, (m) => `/bodies/${m[1]}`],
  [/^urn:cbm:channel:([0-9a-f-]{36}):v\d+$/, (m) => `/channels/${m[1]}`],
  [/^urn:cbm:meeting:([0-9a-f-]{36}):v\d+$/, (m) => `/meetings/${m[1]}`],
  [/^urn:cbm:meeting:([0-9a-f-]{36}):participation:[A-Z]{2}$/, (m) => `/meetings/${m[1]}/participations`],
];

export function recordHref(subject: string, principal: string): string | null {
  for (const [pattern, href] of patterns) {
    const match = pattern.exec(subject);
    if (match) return href(match, principal);
  }
  return null;
}
