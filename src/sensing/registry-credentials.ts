/**
 * Device and gateway credentials: a random secret shown once, stored as its SHA-256 (a
 * random 192-bit secret needs no slow password hash, and ingest checks one per request).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const newSecret = (): string => randomBytes(24).toString('base64url');

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function secretMatches(secret: string, hash: string | null): boolean {
  if (!hash) return false;
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(hash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** Who is sending readings: one device, or a gateway relaying its sensors. */
export interface IngestCredentials { kind: 'device' | 'gateway'; id: string; secret: string }

const HEADER = /^(Device|Gateway) ([A-Za-z0-9_.-]{1,100}):([A-Za-z0-9_-]{16,200})$/;

/** Parses `Authorization: Device <id or code>:<secret>` (or `Gateway …`). */
export function parseIngestAuthorization(header: string | undefined): IngestCredentials | undefined {
  const m = header ? HEADER.exec(header) : null;
  if (!m) return undefined;
  return { kind: m[1] === 'Device' ? 'device' : 'gateway', id: m[2], secret: m[3] };
}
