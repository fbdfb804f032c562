-- upload_form_rows: one row per metric asked for in a month's upload form (not retired by then),
-- with the last value reported before that month as a hint for whoever fills it in, and its 口径.
-- params: $month (date, first of month).
with
previous as (
    select metric_code, value, month
    from current_observations
    where month < $month
    qualify row_number() over (partition by metric_code order by month desc) = 1
),
final as (
    select
        m.metric_code,
        m.name as metric_name,
        m.unit,
        m.kind,
        m.definition,
        f.report_number,
        f.lead_department,
        g.name as group_name,
        p.value as previous_value,
        strftime(p.month, '%Y-%m') as previous_month,
        m.ordinal,
        f.ordinal as finding_ordinal
    from metrics as m
    left join findings as f using (finding_code)
    join outcome_groups as g using (group_code)
    left join previous as p using (metric_code)
    where m.retired_from is null or m.retired_from > $month
)
select * exclude (ordinal, finding_ordinal)
from final
order by finding_ordinal nulls first, ordinal
