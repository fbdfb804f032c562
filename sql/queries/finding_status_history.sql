-- finding_status_history: one row per status reported for a finding and month (the current revision),
-- newest month first, with its note and where it came from.
-- params: $finding (finding_code).
select
    strftime(s.month, '%Y-%m') as month,
    s.status,
    s.note,
    u.source,
    u.user_name,
    u.created_at
from current_finding_status as s
join live_uploads as u using (upload_id)
where s.finding_code = $finding
order by s.month desc
