-- Open311 GeoReport v2: keys issued to third-party apps, and the requests they created.

-- Only the SHA-256 of a key is kept; the plain key is shown once, when it is issued. A revoked
-- key stays as a row so the cases it created still name their app.
create table open311_api_key (
  id         text        primary key,
  name       text        not null,
  key_hash   text        not null unique,
  active     boolean     not null default true,
  created_by text        not null,
  created_at timestamptz not null,
  revoked_by text,
  revoked_at timestamptz
);
-- The name becomes the case's reporter ('open311:<name>') and scopes idempotency keys, so two
-- live keys may not share it; a replacement key may take the name of a revoked one.
create unique index open311_api_key_active_name on open311_api_key (name) where active;

-- Which app created a case, and the media URL it sent (the case model has no place for it).
create table open311_request (
  case_id    text        primary key,
  key_id     text        not null references open311_api_key (id),
  media_url  text,
  created_at timestamptz not null
);
create index open311_request_key on open311_request (key_id, created_at)
