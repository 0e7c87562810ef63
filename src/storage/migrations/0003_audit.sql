-- Append-only, hash-chained audit log: each row carries the hash of the previous one.
create table audit_log (
  seq         bigint      primary key,
  at          timestamptz not null,
  actor       text,
  action      text        not null,
  entity_type text        not null,
  entity_id   text        not null,
  before      jsonb,
  after       jsonb,
  request_id  text,
  prev_hash   text        not null,
  hash        text        not null
);
create index audit_log_entity on audit_log (entity_type, entity_id);

-- The chain head; updating it serialises appends across connections and nodes.
create table audit_head (
  id   integer primary key check (id = 1),
  seq  bigint  not null,
  hash text    not null
);
insert into audit_head (id, seq, hash) values (1, 0, repeat('0', 64));
