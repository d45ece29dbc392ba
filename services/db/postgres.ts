import pg from 'pg';
import { checkChannelName, checkParams, type Database, type Queryable, type QueryResult } from './database';

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

function wrap(q: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      checkParams(params);
      const result = await q.query({ text, values: params as unknown[] | undefined, types: typeParsers });
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(script: string): Promise<void> {
      await q.query(script);
    },
  };
}

/** A Postgres server, through a connection pool. */
export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 5000 });
  // An idle client that loses its connection must not take the process down.
  pool.on('error', () => undefined);
  const client = await pool.connect();
  client.release();
  const base = wrap(pool);
  // Open LISTEN connections, ended by close() (a dropped database must not leave one reconnecting).
  const listeners = new Set<() => Promise<void>>();
  return {
    driver: 'postgres',
    query: base.query,
    exec: base.exec,
    async transaction(work) {
      const conn = await pool.connect();
      try {
        await conn.query('BEGIN');
        const result = await work(wrap(conn));
        await conn.query('COMMIT');
        return result;
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        conn.release();
      }
    },
    async listen(channel, onNotify) {
      const stop = await listenOn(url, checkChannelName(channel), onNotify);
      const once = async () => {
        listeners.delete(once);
        await stop();
      };
      listeners.add(once);
      return once;
    },
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      await pool.end();
    },
  };
}

const RECONNECT_MS = 1000;

/**
 * LISTEN on a connection of its own (outside the pool, which it would otherwise hold forever). When
 * that connection drops, a new one is made after a second, and `onNotify` is called once it listens
 * again, for whatever was announced while it was away.
 */
async function listenOn(url: string, channel: string, onNotify: () => void): Promise<() => Promise<void>> {
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;

  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    current = client;
    const lost = () => {
      if (stopped || current !== client) return;
      current = undefined;
      client.end().catch(() => undefined);
      retry = setTimeout(() => {
        retry = undefined;
        connect().then(onNotify, lost);
      }, RECONNECT_MS);
      retry.unref();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === channel) onNotify();
    });
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
    } catch (error) {
      lost();
      throw error;
    }
  };

  try {
    await connect();
  } catch (error) {
    stopped = true;
    if (retry) clearTimeout(retry);
    throw error;
  }
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const client = current;
    current = undefined;
    await client?.end().catch(() => undefined);
  };
}
