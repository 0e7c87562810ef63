-- A snapshot of the in-memory grid index, so a node starts without re-reading every polygon.
-- Any change to grids deletes it in the same transaction; the next start rebuilds it.
create table grid_index_snapshot (
  id         integer     primary key check (id = 1),
  grid_count integer     not null,
  built_at   timestamptz not null,
  data       bytea       not null
);
