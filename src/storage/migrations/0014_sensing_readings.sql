-- Lifeline sensing time series: raw readings, 1-minute and 1-hour rollups, ingest counters.

-- Raw readings, written in large multi-row batches. The primary key doubles as the
-- duplicate filter (same sensor and timestamp: kept once) and the index of range queries;
-- a BRIN index on time, tiny and nearly free to maintain, serves the retention delete.
-- Times are epoch milliseconds.
create table sensing_reading (
  sensor_num integer          not null,
  ts_ms      bigint           not null,
  value      double precision not null,
  primary key (sensor_num, ts_ms)
);
create index sensing_reading_ts on sensing_reading using brin (ts_ms);

-- Rollups hold sums, not averages, so late readings merge into their bucket exactly.
create table sensing_rollup_1m (
  sensor_num integer          not null,
  bucket_ms  bigint           not null,
  vmin       double precision not null,
  vmax       double precision not null,
  vsum       double precision not null,
  n          integer          not null,
  primary key (sensor_num, bucket_ms)
);
create index sensing_rollup_1m_ts on sensing_rollup_1m using brin (bucket_ms);

create table sensing_rollup_1h (
  sensor_num integer          not null,
  bucket_ms  bigint           not null,
  vmin       double precision not null,
  vmax       double precision not null,
  vsum       double precision not null,
  n          integer          not null,
  primary key (sensor_num, bucket_ms)
);
create index sensing_rollup_1h_ts on sensing_rollup_1h using brin (bucket_ms);

-- Accepted and rejected readings per source (a device or a gateway) and reason.
create table sensing_ingest_counter (
  source   text   not null,
  reason   text   not null,
  count    bigint not null,
  last_at  timestamptz not null,
  primary key (source, reason)
);
