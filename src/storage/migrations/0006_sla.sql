-- Time limits (时限): working-calendar overrides and versioned SLA policies.

-- Admin overrides of the packaged holiday schedule (next year's State Council notice, local days off).
create table sla_calendar_override (
  date       date        primary key,
  kind       text        not null check (kind in ('holiday', 'workday')),
  name       text        not null check (length(name) between 1 and 50),
  updated_at timestamptz not null,
  updated_by text
);

-- One row per version of a policy. A change closes the current version (valid_to) and adds
-- the next, so a case keeps the version its clock started under.
create table sla_policy (
  id              text             not null,
  version         integer          not null check (version >= 1),
  name            text             not null,
  category_prefix text,
  urgency         text             check (urgency in ('normal', 'urgent', 'critical')),
  basis           text             not null check (basis in ('working', 'clock')),
  accept_minutes  integer          not null check (accept_minutes > 0),
  handle_minutes  integer          not null check (handle_minutes > 0),
  verify_minutes  integer          not null check (verify_minutes > 0),
  warn_share      double precision not null check (warn_share > 0 and warn_share < 1),
  active          boolean          not null default true,
  valid_from      timestamptz      not null,
  valid_to        timestamptz,
  created_by      text,
  primary key (id, version),
  check (valid_to is null or valid_to >= valid_from)
);
create unique index sla_policy_current on sla_policy (id) where valid_to is null;
-- At most one active current policy per (category prefix, urgency), so the most specific match is unique.
create unique index sla_policy_selector on sla_policy (coalesce(category_prefix, ''), coalesce(urgency, ''))
  where valid_to is null and active;

-- The standing defaults (DEFAULT_SLA_POLICIES in src/sla/policy.ts), valid from long before any case.
insert into sla_policy (id, version, name, category_prefix, urgency, basis, accept_minutes, handle_minutes, verify_minutes, warn_share, valid_from) values
  ('sla-critical', 1, '特急', null, 'critical', 'clock', 60, 1440, 120, 0.8, '2000-01-01T00:00:00+08:00'),
  ('sla-urgent', 1, '紧急', null, 'urgent', 'clock', 120, 2880, 240, 0.8, '2000-01-01T00:00:00+08:00'),
  ('sla-normal', 1, '一般', null, 'normal', 'working', 120, 2100, 420, 0.8, '2000-01-01T00:00:00+08:00');
