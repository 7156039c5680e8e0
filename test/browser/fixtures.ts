/** Records the browser tests publish through the API before they open a page. */
import type { Schemas } from '../../clients/typescript/src/index.ts';

/** A point of contact as a state publishes it; any field given in `overrides` replaces the default. */
export const contactInput = (overrides: Partial<Schemas['ContactInput']> = {}): Schemas['ContactInput'] => ({
  role: 'technical',
  name: 'Anna Berger',
  organisation: 'CERT.at',
  email: 'duty@cert.example.at',
  phone_24x7: '+4315056416',
  languages: ['en'],
  time_zone: 'Europe/Vienna',
  ...overrides,
});

/** A Markdown national document: a strategy, TLP:CLEAR, unless `type` or `markdown` say otherwise. */
export const documentInput = (title: string, options: { markdown?: string; type?: string } = {}) =>
  ({
    type: options.type ?? 'strategy',
    title,
    summary: 'Goals, institutions and measures.',
    language: 'en',
    tlp: 'TLP:CLEAR',
    content: { markdown: options.markdown ?? `# ${title}\n\nText.\n` },
  }) as Schemas['DocumentInput'];
