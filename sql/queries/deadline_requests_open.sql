-- deadline_requests_open: the extension requests no reviewer has decided yet, oldest first, with
-- the finding's title and lead department.
-- params: none.
select
    r.change_id,
    r.finding_code,
    f.title,
    f.lead_department,
    r.previous_deadline,
    r.deadline as requested,
    r.reason,
    r.user_name,
    r.created_at
from deadline_changes as r
join findings as f using (finding_code)
where
    r.kind = 'request'
    and not exists (select 1 from deadline_changes as d where d.request_id = r.change_id)
order by r.created_at, r.change_id
