-- The city model: versioned administrative divisions, unit grids, management zones.
create table division (
  code            text    not null,
  valid_from      date    not null,
  valid_to        date,
  name            text    not null,
  level           text    not null check (level in ('city', 'district', 'street', 'community')),
  parent_code     text,
  provisional     boolean not null default false,
  change_set      text    not null,
  geometry        jsonb,
  geometry_crs    text,
  geometry_source text,
  synthetic       boolean not null default false,
  primary key (code, valid_from),
  check (valid_to is null or valid_to > valid_from)
);
create index division_parent on division (parent_code);

-- 单元网格 unit grids (CJ/T 213 style codes: community code + 2-digit serial).
create table grid (
  code           text    primary key,
  community_code text    not null,
  name           text    not null,
  geometry       jsonb   not null,
  synthetic      boolean not null,
  source         text    not null
);
create index grid_community on grid (community_code);

-- 管理区 management zones running district-level centers over streets of other districts.
create table management_zone (
  code         text   primary key,
  name         text   not null,
  street_codes text[] not null
);
