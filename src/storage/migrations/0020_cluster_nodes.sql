-- Nodes serving the same database renew a lease row; partitioned work (sensor rule evaluation)
-- goes to the live nodes by rendezvous hashing and moves when a lease runs out.
create table cluster_node (
  id text primary key,
  started_at timestamptz not null,
  seen_at timestamptz not null,
  info jsonb not null default '{}'
);
create index cluster_node_seen on cluster_node (seen_at);
