-- upload_statuses: one row per finding status an upload wrote (finding and month), with its
-- revision and whether it is the status that counts now.
-- params: $upload_id (integer).
with
written as (
    select finding_code, month, status, note, revision from finding_status where upload_id = $upload_id
),
counting as (
    select finding_code, month, revision from current_finding_status
),
final as (
    select
        strftime(w.month, '%Y-%m') as month,
        w.finding_code,
        f.title,
        w.status,
        w.note,
        w.revision,
        c.finding_code is not null as counts_now,
        f.ordinal
    from written as w
    join findings as f using (finding_code)
    left join counting as c using (finding_code, month, revision)
)
select month, finding_code, title, status, note, revision, counts_now
from final
order by month, ordinal
