-- finding_status_history: one row per status reported for a finding and month (the current revision),
-- newest month first, with its note, where it came from and who reported it (display name when set).
-- params: $finding (finding_code).
select
    strftime(s.month, '%Y-%m') as month,
    s.status,
    s.note,
    u.source,
    u.user_name,
    coalesce(nullif(trim(usr.display_name), ''), u.user_name) as reporter,
    u.created_at
from current_finding_status as s
join live_uploads as u using (upload_id)
left join users as usr on usr.username = u.user_name
where s.finding_code = $finding
order by s.month desc
