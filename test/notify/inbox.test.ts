import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { notifyUsers } from '../../src/notify/index.ts';

const app = await useTestApp({ now: '2026-11-20T02:00:00Z' });

const userId = async (username: string): Promise<string> =>
  (await app.server.inject({ url: '/api/v1/auth/me', headers: await app.as(username) })).json().user.id;
const inbox = async (username: string, query = '') =>
  app.server.inject({ url: `/api/v1/inbox${query}`, headers: await app.as(username) });

describe('inbox (站内信)', () => {
  it('notifies named users and the enabled accounts of named units once each, inside the caller\'s transaction', async () => {
    const operator = await userId('jiefangbei.operator');
    const grid = await userId('jiefangbei.grid');
    const citizen = await userId('citizen');
    const admin = await app.as('admin');
    // A disabled account of the unit is skipped.
    const temp = await app.server.inject({
      method: 'POST', url: '/api/v1/users', headers: admin,
      payload: { username: 'jfb.temp', displayName: '临时', password: 'Temporary2026', role: 'grid_worker', unitId: 'C-500103003' },
    });
    await app.server.inject({ method: 'PATCH', url: `/api/v1/users/${temp.json().id}`, headers: admin, payload: { disabled: true } });

    const recipients = await app.ctx.db.transaction((tx) => notifyUsers(tx, {
      userIds: [operator, citizen, 'usr_nobody'], unitIds: ['C-500103003'], at: new Date('2026-11-20T02:00:00Z'),
      kind: 'case.dispatched', title: '新派遣案件', body: '解放碑步行街井盖缺失，请于 2 小时内处置', subject: { type: 'case', id: 'case_1' },
    }));
    expect(recipients.sort()).toEqual([operator, grid, citizen].sort());

    const list = await inbox('jiefangbei.operator');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ unread: 1, next: null });
    expect(list.json().items).toEqual([{
      id: expect.stringMatching(/^ntf_/), at: '2026-11-20T02:00:00.000Z', kind: 'case.dispatched', title: '新派遣案件',
      body: '解放碑步行街井盖缺失，请于 2 小时内处置', subject: { type: 'case', id: 'case_1' }, readAt: null,
    }]);
    expect((await inbox('chaotianmen.operator')).json()).toEqual({ items: [], next: null, unread: 0 });

    // Nothing is left behind when the caller's transaction fails.
    await expect(app.ctx.db.transaction(async (tx) => {
      await notifyUsers(tx, { userIds: [operator], at: new Date(), kind: 'x', title: 'x', body: 'x' });
      throw new Error('the change failed');
    })).rejects.toThrow('the change failed');
    expect((await inbox('jiefangbei.operator')).json().items).toHaveLength(1);
    expect(await app.ctx.db.transaction((tx) => notifyUsers(tx, { at: new Date(), kind: 'x', title: 'x', body: 'x' }))).toEqual([]);
  });

  it('reads only your own notifications: anyone else\'s id answers 404', async () => {
    const mine = (await inbox('jiefangbei.grid')).json().items[0];
    const other = await app.as('chaotianmen.operator');
    const stranger = await app.server.inject({ method: 'POST', url: `/api/v1/inbox/${mine.id}/read`, headers: other });
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json()).toMatchObject({ code: 'CY_NOT_FOUND', detail: `notification ${mine.id} not found` });
    const missing = await app.server.inject({ method: 'POST', url: '/api/v1/inbox/ntf_missing/read', headers: other });
    expect(missing.json().detail).toBe('notification ntf_missing not found');
    expect((await inbox('jiefangbei.grid')).json().unread).toBe(1);

    const grid = await app.as('jiefangbei.grid');
    app.setNow('2026-11-20T03:00:00Z');
    const read = await app.server.inject({ method: 'POST', url: `/api/v1/inbox/${mine.id}/read`, headers: grid });
    expect(read.statusCode).toBe(200);
    expect(read.json().readAt).toBe('2026-11-20T03:00:00.000Z');
    app.setNow('2026-11-20T04:00:00Z');
    const again = await app.server.inject({ method: 'POST', url: `/api/v1/inbox/${mine.id}/read`, headers: grid });
    expect(again.json().readAt).toBe('2026-11-20T03:00:00.000Z');
    app.setNow('2026-11-20T02:00:00Z');

    const audit = await app.server.inject({ url: `/api/v1/audit?entityType=notification&entityId=${mine.id}`, headers: await app.as('admin') });
    expect(audit.json().items.map((e: { action: string }) => e.action)).toEqual(['inbox.read']);
    expect((await app.server.inject({ url: '/api/v1/inbox' })).statusCode).toBe(401);
  });

  it('pages newest first with a cursor, filters unread, and marks all read', async () => {
    const citizen = await userId('citizen');
    for (let i = 1; i <= 5; i++) {
      await app.ctx.db.transaction((tx) => notifyUsers(tx, {
        userIds: [citizen], at: new Date(`2026-11-20T02:0${i}:00Z`), kind: 'case.replied', title: `回复 ${i}`, body: '您反映的问题已处理', subject: { type: 'case', id: `case_${i}` },
      }));
    }
    const headers = await app.as('citizen');
    const first = (await inbox('citizen', '?limit=3')).json();
    expect(first.items.map((n: { title: string }) => n.title)).toEqual(['回复 5', '回复 4', '回复 3']);
    expect(first.unread).toBe(6);
    const second = (await inbox('citizen', `?limit=3&after=${first.next}`)).json();
    expect(second.items.map((n: { title: string }) => n.title)).toEqual(['回复 2', '回复 1', '新派遣案件']);
    expect((await inbox('citizen', `?limit=3&after=${second.next}`)).json().items).toEqual([]);

    await app.server.inject({ method: 'POST', url: `/api/v1/inbox/${first.items[0].id}/read`, headers });
    const unread = (await inbox('citizen', '?unread=true&limit=10')).json();
    expect(unread.items).toHaveLength(5);
    expect(unread.items.every((n: { readAt: string | null }) => n.readAt === null)).toBe(true);

    const all = await app.server.inject({ method: 'POST', url: '/api/v1/inbox/read-all', headers });
    expect(all.json()).toEqual({ marked: 5 });
    expect((await inbox('citizen', '?unread=true')).json()).toEqual({ items: [], next: null, unread: 0 });
    expect((await app.server.inject({ method: 'POST', url: '/api/v1/inbox/read-all', headers })).json()).toEqual({ marked: 0 });
    // Other people's notifications are untouched.
    expect((await inbox('jiefangbei.operator')).json().unread).toBe(1);
  });
});
