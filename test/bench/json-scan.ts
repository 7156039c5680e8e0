/**
 * What the I-JSON scan (src/http/strict-json.ts) adds to JSON.parse on request bodies
 * (issue 9 items 5 and 7): per body, scan + parse against parse alone, for a typical
 * contact, an incident with 500 indicators, and a glossary of 5,000 terms.
 *
 *   npx tsx test/bench/json-scan.ts
 */
import { compiledOperation } from '../../src/http/spec-index.ts';
import { scanJson } from '../../src/http/strict-json.ts';
import { contactBody } from '../support/harness.ts';

const bodies: [string, string, string][] = [
  [
    'contact (typical write)',
    'createContact',
    JSON.stringify(
      contactBody({ notes: 'Reachable 24/7 through the duty officer; escalate to the head of CERT after 30 minutes.' }),
    ),
  ],
  [
    'incident, 500 indicators',
    'createIncident',
    JSON.stringify({
      stage: 'early_warning',
      title: 'Ransomware at a hospital',
      summary: 'x'.repeat(2000),
      indicators: Array.from({ length: 500 }, (_, i) => ({ type: 'ipv4', value: `192.0.2.${i % 255}` })),
    }),
  ],
  [
    'glossary, 5,000 terms',
    'createDocument',
    JSON.stringify({
      type: 'terminology',
      title: 'Glossary',
      language: 'de',
      tlp: 'TLP:CLEAR',
      content: { markdown: '# Glossar' },
      terms: Array.from({ length: 5000 }, (_, i) => ({
        term: `Begriff ${i}`,
        definition: `Die Definition des Begriffs Nummer ${i}, mit Umlauten: äöü ß.`,
      })),
    }),
  ],
];

function time(fn: () => void, budgetMs = 400): number {
  for (let i = 0; i < 50; i++) fn();
  let runs = 0;
  const started = performance.now();
  while (performance.now() - started < budgetMs) {
    fn();
    runs++;
  }
  return ((performance.now() - started) / runs) * 1000;
}

for (const [name, operationId, text] of bodies) {
  const limits = compiledOperation(operationId).body!.limits;
  if (scanJson(text, limits)) throw new Error(`${name}: the bench body is refused`);
  // Alternate, so both see the same machine state.
  const parse: number[] = [];
  const both: number[] = [];
  for (let round = 0; round < 3; round++) {
    parse.push(time(() => JSON.parse(text)));
    both.push(
      time(() => {
        scanJson(text, limits);
        return JSON.parse(text);
      }),
    );
  }
  const p = Math.min(...parse);
  const b = Math.min(...both);
  console.log(
    `${name} (${(text.length / 1024).toFixed(1)} KiB): JSON.parse ${p.toFixed(1)} µs; scan + parse ` +
      `${b.toFixed(1)} µs (x${(b / p).toFixed(2)})`,
  );
}
