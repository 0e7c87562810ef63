-- Triage models (智能分拨): every trained version with its metrics; at most one is in service.
create table triage_model (
  version      integer     primary key,
  status       text        not null,
  created_at   timestamptz not null,
  created_by   text,
  promoted_at  timestamptz,
  decision     text        not null,
  options      jsonb       not null,
  training     jsonb       not null,
  metrics      jsonb       not null,
  weights      bytea       not null
);
create unique index triage_model_in_service on triage_model ((status)) where status = 'promoted';
