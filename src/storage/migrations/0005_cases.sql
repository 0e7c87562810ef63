-- The case closed loop: cases, their append-only timeline, SLA timers, supervision, photos.
create table case_record (
  id                   text             primary key,
  number               text             not null unique,
  version              integer          not null,
  status               text             not null,
  suspended_from       text,
  channel              text             not null,
  appeal_type          text             not null,
  domain               text,
  category_code        text,
  urgency              text             not null,
  title                text             not null,
  description          text             not null,
  address              text,
  lon                  double precision not null,
  lat                  double precision not null,
  grid_code            text             not null,
  community_code       text             not null,
  street_code          text             not null,
  district_code        text             not null,
  location_date        date             not null,
  reporter_user_id     text,
  reporter_name        text,
  reporter_phone       text,
  photos               text[]           not null,
  owner_unit_id        text             not null,
  assignee_unit_id     text,
  recommended_unit_id  text,
  routing_rule_id      text,
  tasks                jsonb            not null,
  rework_count         integer          not null,
  reopen_count         integer          not null,
  extension_minutes    integer          not null,
  pending_extension    jsonb,
  satisfaction         smallint,
  satisfaction_comment text,
  master_id            text,
  sla                  jsonb,
  due_at               timestamptz,
  created_at           timestamptz      not null,
  updated_at           timestamptz      not null,
  closed_at            timestamptz
);
create index case_owner_queue on case_record (owner_unit_id, status, due_at);
create index case_assignee_queue on case_record (assignee_unit_id, status, due_at);
create index case_street_recent on case_record (street_code, created_at desc);
create index case_open_due on case_record (street_code, due_at) where status in ('reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified');
create index case_created on case_record (created_at desc, id);
create index case_master on case_record (master_id) where master_id is not null;

-- 时间线: every step, forever; (case_id, seq) keeps the order.
create table case_event (
  case_id       text        not null,
  seq           integer     not null,
  at            timestamptz not null,
  action        text        not null,
  from_status   text,
  to_status     text        not null,
  actor_user_id text,
  actor_unit_id text,
  note          text,
  data          jsonb,
  primary key (case_id, seq)
);

-- Due timers are rows, so a restart or a second node changes nothing.
create table case_timer (
  id       text        primary key,
  case_id  text        not null,
  kind     text        not null,
  due_at   timestamptz not null,
  fired_at timestamptz,
  payload  jsonb       not null
);
create index case_timer_due on case_timer (due_at) where fired_at is null;
create index case_timer_case on case_timer (case_id);

-- 督办 records: manual by a higher tier, or automatic on expiry.
create table case_supervision (
  id          text        primary key,
  case_id     text        not null,
  at          timestamptz not null,
  kind        text        not null check (kind in ('manual', 'escalation', 'warning')),
  tier        text        not null,
  unit_id     text        not null,
  by_user_id  text,
  note        text        not null
);
create index case_supervision_case on case_supervision (case_id);

-- Case numbers: date + district + serial, counted per day and district.
create table case_serial (
  day           date    not null,
  district_code text    not null,
  last          integer not null,
  primary key (day, district_code)
);

-- A retried report with the same Idempotency-Key returns the case it created.
create table case_idempotency (
  owner        text        not null,
  key          text        not null,
  request_hash text        not null,
  case_id      text        not null,
  created_at   timestamptz not null,
  primary key (owner, key)
);

-- Photos stored by content hash (SHA-256), deduplicated.
create table photo (
  hash        text        primary key,
  mime        text        not null,
  size        integer     not null,
  data        bytea       not null,
  uploaded_by text,
  created_at  timestamptz not null
)
