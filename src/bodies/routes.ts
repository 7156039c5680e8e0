import { entryRecord, entryRoutes } from './entries.ts';

export const bodyHref = (id: string) => `/bodies/${id}`;

/** Competent national bodies (CBM 2): each state publishes and versions its own. */
export const bodies = entryRoutes({
  kind: 'body',
  urn: 'body',
  writer: 'state',
  noun: 'competent body',
  param: 'bodyId',
  operations: {
    list: 'listBodies',
    create: 'createBody',
    get: 'getBody',
    update: 'updateBody',
    withdraw: 'withdrawBody',
    history: 'listBodyHistory',
  },
  filters: (query) => ({
    owner: query.state as string | undefined,
    data: [
      ...(query.kind ? [{ member: 'kind', value: query.kind as string }] : []),
      ...(query.sector ? [{ member: 'sectors', value: query.sector as string, array: true }] : []),
    ],
  }),
  toRecords: async (_db, rows) => rows.map((row) => entryRecord(row, 'state', bodyHref(row.entry_id))),
  href: bodyHref,
});
