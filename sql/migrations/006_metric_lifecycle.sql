-- 006: the catalogue changes after the report: an administrator adds a metric under a finding,
-- renames one, or stops asking for one. Nothing is deleted, so every figure keeps its metric.
-- origin: 通报 (from data/catalogue, loaded by init) or 管理员新增 (added on the 目录管理 page / CLI).
-- retired_from: the first month the metric is no longer reported (null = still asked for); its
-- history stays in charts and exports, the upload form and the 本月无数据 list leave it out.
alter table metrics add column origin varchar not null default '通报';
alter table metrics add column retired_from date;
update metrics set origin = '通报';
