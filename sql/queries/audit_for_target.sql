-- audit_for_target: one row per audit entry about one metric or finding (targets, plans, notes) of the
-- rectification the connection is in, newest first.
-- params: $target (metric_code or finding_code).
select logged_at, user_name, action, detail
from audit_log
where target = $target and programme_code = current_programme_code()
order by audit_id desc
