-- upload_observations: one row per value an upload wrote (metric and month), with its revision
-- and whether it is the value that counts now. A value no page can show (not finite, or 1e12 or
-- more: see migration 013) is blank here too, its note saying why.
-- params: $upload_id (integer).
with
written as (
    select
        metric_code,
        month,
        usable_value(value) as value,
        case
            when usable_value(value) is null then concat_ws('；', '原填报数值过大，按未填报处理，请重新上报', note)
            else note
        end as note,
        revision
    from observations
    where upload_id = $upload_id
),
counting as (
    select metric_code, month, revision from current_observations where value is not null
),
final as (
    select
        strftime(w.month, '%Y-%m') as month,
        w.metric_code,
        m.name as metric_name,
        m.unit,
        w.value,
        w.note,
        w.revision,
        c.metric_code is not null as counts_now,
        m.ordinal,
        m.finding_code
    from written as w
    join metrics as m using (metric_code)
    left join counting as c using (metric_code, month, revision)
)
select month, metric_code, metric_name, unit, value, note, revision, counts_now
from final
order by month, finding_code nulls first, ordinal
