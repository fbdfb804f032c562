-- audit_for_target: one row per audit entry about one metric or finding (targets, plans, notes), newest first.
-- params: $target (metric_code or finding_code).
select logged_at, user_name, action, detail
from audit_log
where target = $target
order by audit_id desc
