-- staged_statuses_plan: one row per checked ledger row in this connection's TEMP table
-- staged_statuses (filled by ingest.plan), with the status that counts now for that finding
-- and month and what the import will do: new, unchanged (same status, and the same progress
-- note or none sent) or revised (a conflict: written only when the user confirms).
-- params: none.
with
staged as (
    select line, month, code, value, note from staged_statuses
),
current_values as (
    select finding_code as code, month, status, note from current_finding_status
),
final as (
    select
        s.line,
        strftime(s.month, '%Y-%m') as month,
        s.code,
        f.title as name,
        s.value,
        s.note,
        c.status as old_value,
        c.note as old_note,
        case
            when c.status is null then 'new'
            when c.status = s.value and (s.note is null or s.note = coalesce(c.note, '')) then 'unchanged'
            else 'revised'
        end as action
    from staged as s
    join findings as f on f.finding_code = s.code
    left join current_values as c on c.code = s.code and c.month = s.month
)
select * from final order by line
