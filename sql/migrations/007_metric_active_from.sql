-- 007: a metric added after the report is asked for from the month it was added, not before:
-- active_from (first of month) is when it started; null = since the start of tracking (the report's
-- own metrics). Months before it never count the metric as 未上报.
alter table metrics add column active_from date;
