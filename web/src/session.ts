/** Who is signed in: token and user, kept in localStorage so a reload keeps the session. */
import { reactive } from 'vue';
import type { Unit, User } from './api/types.ts';

const KEY = 'chengyun.session';

interface Stored { token: string; user: User; unit: Unit | null; expiresAt: string }

function load(): Stored | null {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Stored | null;
    return stored && Date.parse(stored.expiresAt) > Date.now() ? stored : null;
  } catch {
    return null;
  }
}

const initial = load();

export const session = reactive<{ token: string | null; user: User | null; unit: Unit | null }>({
  token: initial?.token ?? null, user: initial?.user ?? null, unit: initial?.unit ?? null,
});

export function signIn(s: Stored): void {
  localStorage.setItem(KEY, JSON.stringify(s));
  Object.assign(session, { token: s.token, user: s.user, unit: s.unit });
}

export function signOut(): void {
  localStorage.removeItem(KEY);
  Object.assign(session, { token: null, user: null, unit: null });
}

export const isStaff = () => !!session.user && session.user.role !== 'citizen';
