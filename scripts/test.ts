/**
 * The whole test suite: lint and type check, then every test on the embedded database,
 * then again on the PostgreSQL server (CHENGYUN_TEST_ADMIN_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres). Without a reachable server the second run
 * is skipped with a warning, unless CHENGYUN_TEST_REQUIRE_POSTGRES=1 (as in CI).
 * Extra arguments go to vitest (e.g. a file filter).
 */
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const args = process.argv.slice(2);
const bin = (name: string) => `node_modules/.bin/${name}`;

function run(label: string, command: string, commandArgs: string[], env: Record<string, string> = {}): void {
  process.stdout.write(`\n━━ ${label}\n`);
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    process.stderr.write(`\n✗ ${label} failed\n`);
    process.exit(result.status ?? 1);
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: process.env.CHENGYUN_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

if (args.length === 0) {
  run('lint', bin('eslint'), ['.']);
  run('type check', bin('tsc'), ['--noEmit', '-p', '.']);
  run('type check of the web console', bin('vue-tsc'), ['--noEmit', '-p', 'web']);
}
run('tests on the embedded database (PGlite)', bin('vitest'), ['run', ...args], { CHENGYUN_TEST_BACKEND: 'embedded' });
if (await postgresReachable()) {
  run('tests on the PostgreSQL server', bin('vitest'), ['run', ...args], { CHENGYUN_TEST_BACKEND: 'postgres' });
} else if (process.env.CHENGYUN_TEST_REQUIRE_POSTGRES === '1') {
  process.stderr.write('\n✗ PostgreSQL is required but not reachable\n');
  process.exit(1);
} else {
  process.stderr.write('\n! PostgreSQL server not reachable: skipped the second run (set CHENGYUN_TEST_ADMIN_URL)\n');
}
process.stdout.write('\n✓ all tests passed\n');
