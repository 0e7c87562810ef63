import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { seedDemoCases } from '../../src/cases/demo.ts';
import { findUserByName } from '../../src/org/store.ts';

const app = await useTestApp({ now: '2026-11-20T06:00:00Z' });

describe('demo cases', () => {
  it('leaves cases in several states across districts, the same ones every time, and only once', async () => {
    const resident = (await findUserByName(app.ctx.db, 'citizen'))!;
    const first = await seedDemoCases(app.ctx, resident, 24);
    expect(first).toEqual({ created: 24, skipped: false });
    const rows = await app.ctx.db.query<{ status: string; district_code: string; satisfaction: number | null }>('select status, district_code, satisfaction from case_record');
    expect(rows).toHaveLength(24);
    expect(new Set(rows.map((r) => r.status)).size).toBeGreaterThanOrEqual(4);
    expect(new Set(rows.map((r) => r.district_code)).size).toBeGreaterThanOrEqual(2);
    const citizen = await app.as('citizen');
    const mine = await app.server.inject({ url: '/api/v1/cases?limit=100', headers: citizen });
    expect(mine.json().items).toHaveLength(24);
    expect(await seedDemoCases(app.ctx, resident, 24)).toEqual({ created: 0, skipped: true });
  });
});
