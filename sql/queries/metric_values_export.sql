-- metric_values_export: one row per metric and month that has a reported value or an
-- opening balance; current values only (latest revision of a live upload).
-- params: none.
with
opening as (
    select metric_code, month from current_opening_balances
),
final as (
    select
        strftime(v.month, '%Y-%m') as month,
        v.metric_code,
        m.name as metric_name,
        m.unit,
        v.value,
        v.cumulative,
        m.ordinal,
        m.finding_code
    from metric_month_values as v
    join metrics as m using (metric_code)
    left join opening as op using (metric_code, month)
    where v.value is not null or op.metric_code is not null
)
select month, metric_code, metric_name, unit, value, cumulative
from final
order by month, finding_code nulls first, ordinal
