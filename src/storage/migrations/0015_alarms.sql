-- Lifeline alarm rules (告警规则), alarms (告警) with their history, the rule engine's
-- persisted per-sensor state, and vital-sign snapshots (城市体征).

-- One row per sensor type and kind (scope 'type'), plus overrides for one asset or sensor.
create table alarm_rule (
  id            text        primary key,
  sensor_type   text        not null,
  kind          text        not null,
  scope         text        not null check (scope in ('type', 'asset', 'sensor')),
  target_id     text        not null default '',
  params        jsonb       not null,
  category_code text,
  enabled       boolean     not null default true,
  version       integer     not null default 1,
  updated_at    timestamptz not null,
  updated_by    text,
  unique (sensor_type, kind, scope, target_id)
);

-- Every version a rule has had, for review and rollback.
create table alarm_rule_version (
  rule_id       text        not null references alarm_rule (id),
  version       integer     not null,
  params        jsonb       not null,
  category_code text,
  enabled       boolean     not null,
  at            timestamptz not null,
  by_user_id    text,
  primary key (rule_id, version)
);

create table alarm (
  id               text             primary key,
  rule_key         text             not null,
  kind             text             not null,
  subject_type     text             not null check (subject_type in ('sensor', 'asset')),
  subject_id       text             not null,
  sensor_id        text,
  sensor_type      text             not null,
  asset_id         text,
  level            text             not null,
  peak_level       text             not null,
  state            text             not null check (state in ('active', 'cleared')),
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  assignee_user_id text,
  assignee_unit_id text,
  owner_unit_id    text             not null,
  division_codes   text[]           not null,
  district_code    text             not null,
  street_code      text,
  lon              double precision not null,
  lat              double precision not null,
  value            double precision,
  raised_at        timestamptz      not null,
  updated_at       timestamptz      not null,
  cleared_at       timestamptz,
  case_id          text,
  version          integer          not null default 1
);
-- One alarm per (sensor or asset, rule) at a time.
create unique index alarm_one_active on alarm (subject_id, rule_key) where state = 'active';
create index alarm_active_street on alarm (street_code, level) where state = 'active';
create index alarm_raised on alarm (raised_at desc, id);

create table alarm_event (
  alarm_id    text        not null references alarm (id),
  seq         integer     not null,
  at          timestamptz not null,
  action      text        not null,
  from_level  text,
  to_level    text,
  actor       text,
  note        text,
  data        jsonb,
  primary key (alarm_id, seq)
);

-- What the engine must not forget across a restart (pending-since, counters, windows).
create table alarm_rule_state (
  subject_id text        not null,
  rule_key   text        not null,
  state      jsonb       not null,
  updated_at timestamptz not null,
  primary key (subject_id, rule_key)
);

create table vital_sign_snapshot (
  division_code   text             not null,
  at              timestamptz      not null,
  sensors_total   integer          not null,
  sensors_online  integer          not null,
  alarms_blue     integer          not null,
  alarms_yellow   integer          not null,
  alarms_orange   integer          not null,
  alarms_red      integer          not null,
  open_cases      integer          not null,
  overdue_cases   integer          not null,
  composite_index double precision not null,
  primary key (division_code, at)
);
