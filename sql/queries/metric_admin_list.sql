-- metric_admin_list: one row per metric, retired and added ones included, in catalogue order, for
-- the 目录管理 page: what it is, where it belongs, where it came from, whether it is still asked
-- for, and how much history it has (figures that count now, the opening balance included).
-- params: none.
with
figures as (
    select metric_code, month from current_observations
    union all
    select metric_code, month from current_opening_balances
),
history as (
    select metric_code, count(*) as n_figures, strftime(max(month), '%Y-%m') as last_month
    from figures
    group by metric_code
),
final as (
    select
        m.metric_code,
        m.finding_code,
        f.report_number,
        m.name as metric_name,
        m.unit,
        m.kind,
        m.group_code,
        g.name as group_name,
        m.origin,
        strftime(m.retired_from, '%Y-%m') as retired_from,
        m.definition,
        coalesce(h.n_figures, 0) as n_figures,
        h.last_month,
        coalesce(f.ordinal, 0) as finding_ordinal,
        m.ordinal
    from metrics as m
    join outcome_groups as g using (group_code)
    left join findings as f using (finding_code)
    left join history as h using (metric_code)
)
select * from final order by finding_ordinal, ordinal
