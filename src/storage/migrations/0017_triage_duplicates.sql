-- Duplicate proposals (重复件): a new case, an earlier open case it may repeat, and how alike they are.
-- Operators confirm (the case is merged, 合并) or dismiss; either way the decision stays.
create table triage_duplicate (
  id            text             primary key,
  case_id       text             not null,
  candidate_id  text             not null,
  street_code   text             not null,
  score         double precision not null,
  similarity    double precision not null,
  distance_m    integer          not null,
  hours_apart   double precision not null,
  status        text             not null check (status in ('proposed', 'confirmed', 'dismissed')),
  proposed_at   timestamptz      not null,
  decided_at    timestamptz,
  decided_by    text,
  reason        text,
  unique (case_id, candidate_id)
);
create index triage_duplicate_open on triage_duplicate (street_code, proposed_at desc) where status = 'proposed';

-- Open cases by place and time: the duplicate search at intake reads a small lat/lon box of recent rows.
create index case_open_place on case_record (lat, lon, created_at) where status in ('reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified');
