/** SQL for Open311 API keys and the link from a case to the app that reported it. */
import type { Queryable } from '../storage/db.ts';

export interface ApiKey {
  id: string;
  name: string;
  active: boolean;
  createdBy: string;
  createdAt: string;
  revokedBy: string | null;
  revokedAt: string | null;
}

interface KeyRow {
  id: string; name: string; active: boolean; created_by: string; created_at: Date; revoked_by: string | null; revoked_at: Date | null;
}

const KEY_COLUMNS = 'id, name, active, created_by, created_at, revoked_by, revoked_at';

function toKey(r: KeyRow): ApiKey {
  return {
    id: r.id, name: r.name, active: r.active, createdBy: r.created_by, createdAt: r.created_at.toISOString(),
    revokedBy: r.revoked_by, revokedAt: r.revoked_at ? r.revoked_at.toISOString() : null,
  };
}

export async function insertKey(tx: Queryable, k: { id: string; name: string; keyHash: string; createdBy: string; at: Date }): Promise<ApiKey> {
  const [row] = await tx.query<KeyRow>(
    `insert into open311_api_key (id, name, key_hash, active, created_by, created_at) values ($1, $2, $3, true, $4, $5) returning ${KEY_COLUMNS}`,
    [k.id, k.name, k.keyHash, k.createdBy, k.at],
  );
  return toKey(row);
}

export async function listKeys(db: Queryable): Promise<ApiKey[]> {
  return (await db.query<KeyRow>(`select ${KEY_COLUMNS} from open311_api_key order by created_at desc, id desc`)).map(toKey);
}

export async function getKey(db: Queryable, id: string): Promise<ApiKey | undefined> {
  const [row] = await db.query<KeyRow>(`select ${KEY_COLUMNS} from open311_api_key where id = $1`, [id]);
  return row && toKey(row);
}

export async function activeKeyByHash(db: Queryable, keyHash: string): Promise<ApiKey | undefined> {
  const [row] = await db.query<KeyRow>(`select ${KEY_COLUMNS} from open311_api_key where key_hash = $1 and active`, [keyHash]);
  return row && toKey(row);
}

export async function activeKeyNamed(db: Queryable, name: string): Promise<ApiKey | undefined> {
  const [row] = await db.query<KeyRow>(`select ${KEY_COLUMNS} from open311_api_key where name = $1 and active`, [name]);
  return row && toKey(row);
}

/** Deactivates a key; undefined when it was not active. */
export async function revokeKey(tx: Queryable, id: string, by: string, at: Date): Promise<ApiKey | undefined> {
  const [row] = await tx.query<KeyRow>(
    `update open311_api_key set active = false, revoked_by = $2, revoked_at = $3 where id = $1 and active returning ${KEY_COLUMNS}`,
    [id, by, at],
  );
  return row && toKey(row);
}

/** Records which app reported a case; a replayed request finds its link already there. */
export async function linkRequest(db: Queryable, r: { caseId: string; keyId: string; mediaUrl: string | null; at: Date }): Promise<void> {
  await db.query(
    'insert into open311_request (case_id, key_id, media_url, created_at) values ($1, $2, $3, $4) on conflict (case_id) do nothing',
    [r.caseId, r.keyId, r.mediaUrl, r.at],
  );
}

export async function mediaUrls(db: Queryable, caseIds: readonly string[]): Promise<Map<string, string>> {
  if (caseIds.length === 0) return new Map();
  const rows = await db.query<{ case_id: string; media_url: string }>(
    'select case_id, media_url from open311_request where case_id = any($1::text[]) and media_url is not null',
    [caseIds],
  );
  return new Map(rows.map((r) => [r.case_id, r.media_url]));
}
