/**
 * The database handle: one PostgreSQL dialect, two deployments.
 * Embedded PGlite in a data folder by default; a PostgreSQL server when DATABASE_URL is set.
 * Both return the same JavaScript types: int8 and numeric-free counts as numbers,
 * `date` as 'YYYY-MM-DD' strings, timestamptz as Date, jsonb parsed.
 */
import { mkdirSync } from 'node:fs';
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * Bulk load of rows in PostgreSQL's binary COPY format into `target` (`table (columns)`).
   * Given by transactions of both deployments; much cheaper than an insert for large batches.
   */
  copyIn?(target: string, binary: Uint8Array): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'embedded' | 'postgres';
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Statements named here are prepared once per server connection and then only bound and run:
 * PostgreSQL parses and plans them once instead of on every call. Only for hot statements of
 * fixed text whose generic plan is as good as a custom one (an index lookup by key, an insert
 * from arrays); a search whose best plan depends on its parameters must stay unprepared.
 * The embedded database ignores this.
 */
const preparedNames = new Map<string, string>();
let preparedCount = 0;

/** Marks a statement's text as prepared (see above); returns the text. */
export function prepared(sql: string): string {
  if (!preparedNames.has(sql)) preparedNames.set(sql, `cy${++preparedCount}`);
  return sql;
}

const statement = (sql: string, params?: readonly unknown[]): pg.QueryConfig =>
  ({ name: preparedNames.get(sql), text: sql, values: params as unknown[] | undefined });

const INT8 = 20;
const DATE = 1082;

function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds the safe integer range`);
  return n;
}

export async function openEmbedded(dataDir: string | undefined): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const lite = new PGlite(dataDir, {
    parsers: { [pgliteTypes.DATE]: (v: string) => v, [pgliteTypes.INT8]: parseInt8 },
  });
  await lite.waitReady;
  // PGlite runs one statement at a time; a queue keeps transactions from interleaving
  // with queries issued by other requests meanwhile.
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    kind: 'embedded',
    query: <T>(sql: string, params?: readonly unknown[]) =>
      serial(async () => (await lite.query<T>(sql, params as unknown[])).rows),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      serial(() =>
        lite.transaction(async (tx) =>
          fn({
            query: async <R>(sql: string, params?: readonly unknown[]) => (await tx.query<R>(sql, params as unknown[])).rows,
            // PGlite reads a COPY source from the virtual file /dev/blob.
            copyIn: async (target: string, binary: Uint8Array) => {
              await tx.query(`copy ${target} from '/dev/blob' with (format binary)`, [], { blob: new Blob([binary as Uint8Array<ArrayBuffer>]) });
            },
          }),
        ),
      ),
    exec: (sql: string) => serial(async () => { await lite.exec(sql); }),
    close: () => serial(() => lite.close()),
  };
}

export async function openServer(url: string): Promise<Db> {
  const typeParser = (oid: number, format?: string) => {
    if (oid === INT8) return parseInt8;
    if (oid === DATE) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as 'text');
  };
  const pool = new pg.Pool({ connectionString: url, max: 10, types: { getTypeParser: typeParser } as pg.CustomTypesConfig });
  // An idle client dropped by the server must not crash the process.
  pool.on('error', () => undefined);
  const probe = await pool.connect();
  probe.release();
  return {
    kind: 'postgres',
    async query<T>(sql: string, params?: readonly unknown[]): Promise<T[]> {
      try {
        return (await pool.query(statement(sql, params))).rows as T[];
      } catch (error) {
        // A table changed under a prepared `select *` (a newer node migrated): this process
        // stops preparing that statement.
        if ((error as { code?: string }).code !== '0A000' || !preparedNames.delete(sql)) throw error;
        return (await pool.query(sql, params as unknown[])).rows as T[];
      }
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const result = await fn({
          query: async <R>(sql: string, params?: readonly unknown[]) => (await client.query(statement(sql, params))).rows as R[],
          copyIn: (target: string, binary: Uint8Array) => new Promise<void>((resolve, reject) => {
            const stream = client.query(copyFrom(`copy ${target} from stdin with (format binary)`));
            stream.on('finish', resolve);
            stream.on('error', reject);
            stream.end(binary);
          }),
        });
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    exec: async (sql: string) => { await pool.query(sql); },
    close: () => pool.end(),
  };
}

export function openDb(options: { databaseUrl?: string; dataDir?: string }): Promise<Db> {
  return options.databaseUrl ? openServer(options.databaseUrl) : openEmbedded(options.dataDir);
}
