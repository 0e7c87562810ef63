-- Indexes for the reach of list queries: departments find the cases they lead or assist,
-- residents their own reports; and a district's overdue list reads only open, overdue rows.
create index case_tasks on case_record using gin (tasks jsonb_path_ops);
create index case_reporter on case_record (reporter_user_id, created_at desc) where reporter_user_id is not null;
create index case_open_owner_due on case_record (owner_unit_id, due_at) where status in ('reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified')
