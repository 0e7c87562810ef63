-- Delivery side of domain events: the event log (stream resume, webhook payloads), the inbox
-- (站内信) and outbound webhooks (出站推送).

-- Every published event once; `seq` is the order this database learnt them in, which is the
-- order streams replay them in.
create table event_log (
  seq          bigserial   primary key,
  id           text        not null unique,
  type         text        not null,
  at           timestamptz not null,
  subject_type text        not null,
  subject_id   text        not null,
  scope        jsonb       not null,
  payload      jsonb,
  logged_at    timestamptz not null
);
create index event_log_at on event_log (at);

create table notification (
  id           text        primary key,
  user_id      text        not null references app_user (id),
  at           timestamptz not null,
  kind         text        not null,
  title        text        not null,
  body         text        not null,
  subject_type text,
  subject_id   text,
  read_at      timestamptz
);
create index notification_user on notification (user_id, at, id);
create index notification_unread on notification (user_id) where read_at is null;

-- The secret is kept in clear because every delivery is signed with it; it never leaves the
-- database through the API or the audit log.
create table webhook (
  id            text        primary key,
  url           text        not null,
  event_types   text[]      not null,
  secret        text        not null,
  division_code text,
  active        boolean     not null default true,
  created_by    text,
  created_at    timestamptz not null,
  updated_at    timestamptz not null
);

create table webhook_delivery (
  id              text        primary key,
  webhook_id      text        not null references webhook (id) on delete cascade,
  event_id        text        not null references event_log (id) on delete cascade,
  status          text        not null check (status in ('pending', 'delivered', 'failed', 'cancelled')),
  attempts        integer     not null default 0,
  next_attempt_at timestamptz,
  created_at      timestamptz not null,
  updated_at      timestamptz not null,
  unique (webhook_id, event_id)
);
create index webhook_delivery_due on webhook_delivery (next_attempt_at) where status = 'pending';
create index webhook_delivery_webhook on webhook_delivery (webhook_id, id);
create index webhook_delivery_event on webhook_delivery (event_id);

create table webhook_attempt (
  delivery_id text        not null references webhook_delivery (id) on delete cascade,
  attempt     integer     not null,
  at          timestamptz not null,
  duration_ms integer     not null,
  status_code integer,
  error       text,
  primary key (delivery_id, attempt)
);
