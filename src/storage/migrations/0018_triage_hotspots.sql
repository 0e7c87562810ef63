-- Each case's H3 cell and category at intake (热点): the sliding-window counts read this.
create table triage_case_cell (
  case_id        text        primary key,
  cell           text        not null,
  category_code  text        not null,
  created_at     timestamptz not null
);
create index triage_case_cell_window on triage_case_cell (cell, category_code, created_at);

-- Hotspots raised: a cell whose count of one category in the window passed the threshold and
-- surged over its baseline. Seen again while active, the row is updated, not raised anew.
create table triage_hotspot (
  id             text             primary key,
  cell           text             not null,
  resolution     integer          not null,
  category_code  text             not null,
  district_code  text             not null,
  street_code    text             not null,
  community_code text             not null,
  owner_unit_id  text             not null,
  lon            double precision not null,
  lat            double precision not null,
  count          integer          not null,
  peak           integer          not null,
  baseline       double precision not null,
  window_hours   integer          not null,
  raised_at      timestamptz      not null,
  last_seen_at   timestamptz      not null
);
create index triage_hotspot_cell on triage_hotspot (cell, category_code, last_seen_at desc);
create index triage_hotspot_street on triage_hotspot (street_code, last_seen_at desc);
