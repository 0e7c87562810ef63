-- Open cases by place: the duplicate search (重复件) reads a small box around each new report.
-- A GiST index on the point answers the box directly; the btree on (lat, lon) it replaces could
-- only narrow by latitude, so it read the whole city's band of rows at that latitude.
drop index if exists case_open_place;
create index case_open_point on case_record using gist (point(lon, lat))
  where status in ('reported', 'verifying', 'registered', 'dispatched', 'handling', 'handled', 'verified');
