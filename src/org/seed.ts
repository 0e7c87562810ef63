/**
 * Seeds the organisation derived from today's division tree, and the demo accounts.
 */
import type { Db } from '../storage/db.ts';
import { appendAudit } from '../audit/index.ts';
import type { CityModel } from '../divisions/city-model.ts';
import { deriveUnits, centerId, departmentId } from './derive.ts';
import type { Role } from './model.ts';
import { hashPassword } from './passwords.ts';
import { countUnits, findUserByName, insertUnits, insertUser } from './store.ts';

export async function seedUnits(db: Db, city: CityModel, date: string, at: Date): Promise<{ units: number; skipped: boolean }> {
  const existing = await countUnits(db);
  if (Object.keys(existing).length > 0) return { units: 0, skipped: true };
  const units = deriveUnits(city.tree, city.zones, date);
  await db.transaction(async (tx) => {
    await insertUnits(tx, units);
    await appendAudit(tx, { at, actor: null, action: 'unit.seed', entityType: 'unit', entityId: centerId('500000'), after: { units: units.length, asOf: date } });
  });
  return { units: units.length, skipped: false };
}

/** Demo password of every demo account; the demo is for laptops, never production. */
export const DEMO_PASSWORD = 'chengyun2026';

export interface DemoAccount { username: string; displayName: string; role: Role; unitId: string | null; note: string }

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'admin', displayName: '市中心管理员', role: 'admin', unitId: centerId('500000'), note: 'city center administrator' },
  { username: 'city.operator', displayName: '市中心值班员', role: 'operator', unitId: centerId('500000'), note: 'city center operator' },
  { username: 'city.supervisor', displayName: '市中心督办员', role: 'supervisor', unitId: centerId('500000'), note: 'city center supervisor' },
  { username: 'yuzhong.operator', displayName: '渝中区值班员', role: 'operator', unitId: centerId('500103'), note: '渝中区 district center operator' },
  { username: 'yuzhong.admin', displayName: '渝中区管理员', role: 'admin', unitId: centerId('500103'), note: '渝中区 district center administrator' },
  { username: 'jiefangbei.operator', displayName: '解放碑街道值班员', role: 'operator', unitId: centerId('500103003'), note: '解放碑街道 street center operator' },
  { username: 'jiefangbei.grid', displayName: '解放碑网格员', role: 'grid_worker', unitId: centerId('500103003'), note: '解放碑街道 grid worker' },
  { username: 'chaotianmen.operator', displayName: '朝天门街道值班员', role: 'operator', unitId: centerId('500103010'), note: '朝天门街道 street center operator' },
  { username: 'yuzhong.cg', displayName: '渝中区城管处置员', role: 'handler', unitId: departmentId('500103', 'cg'), note: '渝中区城市管理局 handler' },
  { username: 'liangjiang.operator', displayName: '两江新区值班员', role: 'operator', unitId: centerId('500199'), note: '两江新区 district center operator' },
  { username: 'gxq.operator', displayName: '高新区值班员', role: 'operator', unitId: centerId('zone-gxq'), note: '重庆高新区 management zone operator' },
  { username: 'citizen', displayName: '市民张三', role: 'citizen', unitId: null, note: 'a resident' },
];

export async function seedDemoUsers(db: Db, at: Date, newId: (prefix: string) => string): Promise<number> {
  let created = 0;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const account of DEMO_ACCOUNTS) {
    if (await findUserByName(db, account.username)) continue;
    await db.transaction(async (tx) => {
      const user = await insertUser(tx, {
        id: newId('usr'), username: account.username, displayName: account.displayName, passwordHash,
        role: account.role, unitId: account.unitId, phone: account.role === 'citizen' ? '13800000000' : null,
      }, at);
      await appendAudit(tx, { at, actor: null, action: 'user.create', entityType: 'user', entityId: user.id, after: { ...user, demo: true } });
    });
    created++;
  }
  return created;
}
