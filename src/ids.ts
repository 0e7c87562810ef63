/** The one id scheme: a short type prefix and a time-ordered random part (UUIDv7). */
import { randomUUID } from 'node:crypto';

export type IdGenerator = (prefix: string) => string;

/** UUIDv7: 48 bits of milliseconds then randomness, so ids sort by creation time. */
export function uuidv7(now = Date.now()): string {
  const hex = now.toString(16).padStart(12, '0');
  const rand = randomUUID().replaceAll('-', '');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${rand.slice(13, 16)}-${((parseInt(rand[16], 16) & 0x3) | 0x8).toString(16)}${rand.slice(17, 20)}-${rand.slice(20, 32)}`;
}

export const newId: IdGenerator = (prefix) => `${prefix}_${uuidv7()}`;
