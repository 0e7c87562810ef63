-- Organisation: centers (三级中心) and departments, users, sign-in tokens.
create table unit (
  id            text    primary key,
  kind          text    not null check (kind in ('center', 'department')),
  tier          text    not null check (tier in ('city', 'district', 'street')),
  name          text    not null,
  division_code text,
  parent_id     text    references unit (id),
  scope_include text[]  not null,
  scope_exclude text[]  not null default '{}',
  line          text,
  active        boolean not null default true
);
create index unit_parent on unit (parent_id);

create table app_user (
  id            text        primary key,
  username      text        not null unique,
  display_name  text        not null,
  password_hash text        not null,
  role          text        not null check (role in ('citizen', 'grid_worker', 'handler', 'operator', 'supervisor', 'admin')),
  unit_id       text        references unit (id),
  phone         text,
  disabled      boolean     not null default false,
  failed_logins integer     not null default 0,
  locked_until  timestamptz,
  created_at    timestamptz not null,
  updated_at    timestamptz not null,
  check (role = 'citizen' or unit_id is not null)
);
create index app_user_unit on app_user (unit_id);

create table auth_token (
  token_hash text        primary key,
  user_id    text        not null references app_user (id),
  created_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index auth_token_user on auth_token (user_id);
