-- The responsibility list (权责清单): which unit handles which category of case where.
-- One row per version of a rule; editing closes a version (valid_to) and adds the next.
create table responsibility_rule (
  id               text        not null,
  version          integer     not null check (version >= 1),
  category_pattern text        not null,
  area_code        text        not null,
  unit_id          text        not null,
  tier             text        not null check (tier in ('city', 'district', 'street')),
  valid_from       date        not null,
  valid_to         date,
  note             text,
  created_at       timestamptz not null,
  created_by       text,
  primary key (id, version),
  check (valid_to is null or valid_to >= valid_from)
);
create index responsibility_rule_area on responsibility_rule (area_code);

-- At most one open version per rule, and one open rule per pattern and area: the resolver
-- could not choose between two.
create unique index responsibility_rule_open_version on responsibility_rule (id) where valid_to is null;
create unique index responsibility_rule_open_slot on responsibility_rule (category_pattern, area_code) where valid_to is null;
