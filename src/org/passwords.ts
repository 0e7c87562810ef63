/** Password hashing with scrypt (node:crypto): 'scrypt$N$r$p$salt$hash', constant-time compare. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 16_384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password, spent on unknown usernames so timing doesn't reveal which exist. */
export const DUMMY_HASH_PROMISE = hashPassword(randomBytes(12).toString('hex'));

/** Policy: at least 10 characters with letters and digits. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < 10) return 'password must have at least 10 characters';
  if (!/[A-Za-z]/.test(password) || !/\d/.test(password)) return 'password must mix letters and digits';
  return undefined;
}
