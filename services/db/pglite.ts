import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { checkChannelName, checkParams, type Database, type Queryable, type QueryResult } from './database';

const parsers = {
  [types.INT8]: (v: string) => Number(v),
  [types.NUMERIC]: (v: string) => Number(v),
};

function wrap(q: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async query<R>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      checkParams(params);
      const result = await q.query<R>(text, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      await q.exec(script);
    },
  };
}

/** The embedded database: Postgres compiled to WebAssembly, in this process. `dataDir` undefined = in memory. */
export async function openPglite(dataDir?: string): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir, { parsers });
  const base = wrap(pg);
  return {
    driver: 'pglite',
    query: base.query,
    exec: base.exec,
    transaction: (work) => pg.transaction((tx) => work(wrap(tx))),
    async listen(channel, onNotify) {
      const unlisten = await pg.listen(checkChannelName(channel), () => onNotify());
      return () => unlisten();
    },
    close: () => pg.close(),
  };
}
