-- metric_values_as_of: one row per metric with any value up to $as_of: that month's reported
-- value (null when nothing was reported that month) and the cumulative position as of it.
-- params: $as_of (date, first of month).
with
latest as (
    select *
    from metric_month_values
    where month <= $as_of
    qualify row_number() over (partition by metric_code order by month desc) = 1
),
final as (
    select
        strftime(cast($as_of as date), '%Y-%m') as month,
        l.metric_code,
        m.name as metric_name,
        m.unit,
        case when l.month = $as_of then l.value end as value,
        l.cumulative,
        m.ordinal,
        m.finding_code
    from latest as l
    join metrics as m using (metric_code)
)
select month, metric_code, metric_name, unit, value, cumulative
from final
order by finding_code nulls first, ordinal
