/** The one id scheme: a short type prefix and a time-ordered random part (UUIDv7). */
import { randomUUID } from 'node:crypto';

export type IdGenerator = (prefix: string) => string;

/** UUIDv7: 48 bits of milliseconds then randomness, so ids sort by creation time. */
export function uuidv7(now = Date.now()): string {
  const hex = now.toString(16).padStart(12, '0');
  // A random (v4) UUID gives the rest: its variant bits are v7's too; only the version digit changes.
  const rand = randomUUID();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${rand.slice(15)}`;
}

export const newId: IdGenerator = (prefix) => `${prefix}_${uuidv7()}`;
