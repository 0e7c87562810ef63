-- Lifeline sensing (城市生命线): gateways, the assets sensors watch, and the sensors.

-- Devices and gateways authenticate with a random secret; only its SHA-256 is kept and the
-- plain secret is shown once, when it is issued.
create table sensing_gateway (
  id            text        primary key,
  code          text        not null unique,
  name          text        not null,
  owner_unit_id text        not null,
  secret_hash   text        not null,
  active        boolean     not null default true,
  created_at    timestamptz not null,
  updated_at    timestamptz not null
);

-- 监测对象: a pipe segment, bridge, slope, tunnel … Cross-sensor rules group sensors by it.
create table sensing_asset (
  id             text             primary key,
  type           text             not null,
  name           text             not null,
  owner_unit_id  text             not null,
  lon            double precision not null,
  lat            double precision not null,
  division_codes text[]           not null,
  street_code    text             not null,
  created_at     timestamptz      not null
);
create index sensing_asset_street on sensing_asset (street_code);

-- `num` is the compact key of the readings tables (4 bytes per row instead of a text id).
create table sensing_sensor (
  id               text             primary key,
  num              integer          not null generated always as identity unique,
  code             text             not null unique,
  name             text,
  type             text             not null,
  unit             text             not null,
  asset_id         text             references sensing_asset (id),
  gateway_id       text             references sensing_gateway (id),
  owner_unit_id    text             not null,
  lon              double precision not null,
  lat              double precision not null,
  division_codes   text[]           not null,
  street_code      text             not null,
  interval_seconds integer          not null,
  secret_hash      text,
  active           boolean          not null default true,
  created_at       timestamptz      not null,
  updated_at       timestamptz      not null
);
create index sensing_sensor_street on sensing_sensor (street_code);
create index sensing_sensor_owner on sensing_sensor (owner_unit_id);
create index sensing_sensor_asset on sensing_sensor (asset_id) where asset_id is not null;
