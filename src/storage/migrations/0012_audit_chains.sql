-- The audit log becomes 16 hash chains instead of one, chosen by the entity, so concurrent
-- writers about different things no longer queue on one head row. Each entity's history
-- stays in one chain; `seq` (from a sequence) still orders the whole log.
alter table audit_head drop constraint audit_head_id_check;
alter table audit_head add constraint audit_head_chain check (id between 1 and 16);
insert into audit_head (id, seq, hash) select g, 0, repeat('0', 64) from generate_series(2, 16) as g;
alter table audit_log add column chain integer not null default 1;
alter table audit_log add column chain_seq bigint;
update audit_log set chain_seq = seq;
alter table audit_log alter column chain_seq set not null;
alter table audit_log alter column chain drop default;
create unique index audit_log_chain on audit_log (chain, chain_seq);
create sequence audit_seq;
select setval('audit_seq', coalesce((select max(seq) from audit_log), 0) + 1, false)
