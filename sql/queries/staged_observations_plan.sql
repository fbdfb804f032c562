-- staged_observations_plan: one row per checked figure in this connection's TEMP table
-- staged_observations (filled by ingest.plan), with the value that counts now and what the
-- import will do: new (nothing stored), unchanged (same value, and the same note or none
-- sent) or revised (a conflict: written as a new revision only when the user confirms).
-- params: none.
with
staged as (
    select line, month, code, value, note from staged_observations
),
current_values as (
    select metric_code as code, month, value, note from current_observations
),
final as (
    select
        s.line,
        strftime(s.month, '%Y-%m') as month,
        s.code,
        m.name,
        s.value,
        s.note,
        c.value as old_value,
        c.note as old_note,
        case
            when c.value is null then 'new'
            when abs(c.value - s.value) < 1e-9 and (s.note is null or s.note = coalesce(c.note, '')) then 'unchanged'
            else 'revised'
        end as action
    from staged as s
    join metrics as m on m.metric_code = s.code
    left join current_values as c on c.code = s.code and c.month = s.month
)
select * from final order by line
