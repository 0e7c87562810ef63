/**
 * Kill -9 during intake, on the backend under test. CHENGYUN_CRASH_KILLS (default 3) and
 * CHENGYUN_CRASH_SEED make a longer or different run: e.g.
 * `CHENGYUN_CRASH_KILLS=30 node_modules/.bin/vitest run test/scaleout/crash.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { backend, cloneTemplate } from '../support/backend.ts';
import { runCrashHarness } from './crash-harness.ts';

const kills = Number(process.env.CHENGYUN_CRASH_KILLS ?? 3);
const seed = Number(process.env.CHENGYUN_CRASH_SEED ?? 20261123);

describe(`crash safety on the ${backend} database`, () => {
  it(`keeps every acknowledged report once, fires every due timer once and keeps the audit chain through ${kills} kills`, { timeout: 120_000 + kills * 60_000 }, async () => {
    const clone = await cloneTemplate();
    try {
      const report = await runCrashHarness({
        clone, seed, kills, clients: 4, pauseMs: 50, acksBetweenKills: 5, upMs: [0, 2_000], timersPerKill: 8,
        progress: (line) => process.stderr.write(`  crash (${backend}): ${line}\n`),
      });
      process.stderr.write(`  crash (${backend}): ${JSON.stringify(report)}\n`);
      expect(report.acknowledged).toBeGreaterThanOrEqual(kills * 5);
      expect(report.missingCases).toBe(0);
      expect(report.duplicateCases).toBe(0);
      expect(report.storedCases).toBeGreaterThanOrEqual(report.acknowledged);
      expect(report.timersMadeDue).toBeGreaterThan(0);
      expect(report.timersUnfired).toBe(0);
      expect(report.timerMismatches).toEqual([]);
      expect(report.auditFaults).toBe(0);
    } finally {
      await clone.drop();
    }
  });
});
