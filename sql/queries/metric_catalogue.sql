-- metric_catalogue: one row per metric, in report order: what it measures, where it belongs
-- (finding, section, lead department, outcome group), its opening balance and its current target,
-- where it came from (通报 / 管理员新增), the month it was asked for from (null: since tracking began)
-- and the month it was retired from (null while asked for).
-- definition is the metric's 口径 (what one unit is, what counts, the month a figure belongs to);
-- approximate the report's marker of a rounded figure (余 / 约, else null); same_as the metric that
-- reports the same event; in_headline whether the metric is one its group's headline adds up (with
-- headline_ordinal), and headline_title / headline_definition the headline's name and 口径.
-- params: none.
with
metrics_ as (
    select * from metrics
),
findings_ as (
    select finding_code, ordinal as finding_ordinal, report_number, section_code, lead_department, deadline
    from findings
),
opening as (
    select metric_code, value as opening_value, strftime(month, '%Y-%m') as opening_month
    from current_opening_balances
),
headline as (
    select metric_code, group_code, ordinal as headline_ordinal from headline_metrics
),
targets as (
    select metric_code, target_value, strftime(target_month, '%Y-%m') as target_month, basis as target_basis
    from current_targets
    where target_value is not null
),
final as (
    select
        m.metric_code,
        m.name as metric_name,
        m.unit,
        m.kind,
        m.group_code,
        g.name as group_name,
        g.is_headline,
        g.headline_unit,
        g.ordinal as group_ordinal,
        m.finding_code,
        f.report_number,
        f.section_code,
        f.lead_department,
        f.deadline,
        o.opening_value,
        o.opening_month,
        t.target_value,
        t.target_month,
        t.target_basis,
        m.origin,
        strftime(m.retired_from, '%Y-%m') as retired_from,
        m.definition,
        m.approximate,
        m.same_as,
        h.metric_code is not null as in_headline,
        h.headline_ordinal,
        g.headline_title,
        g.headline_definition,
        strftime(m.active_from, '%Y-%m') as active_from,
        coalesce(f.finding_ordinal, 0) as finding_ordinal,
        m.ordinal
    from metrics_ as m
    join outcome_groups as g using (group_code)
    left join findings_ as f using (finding_code)
    left join opening as o using (metric_code)
    left join targets as t using (metric_code)
    left join headline as h using (metric_code, group_code)
)
select * from final order by finding_ordinal, ordinal
