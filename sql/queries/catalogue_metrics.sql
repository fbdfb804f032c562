-- catalogue_metrics: one row per metric, retired and added ones included, as
-- data/catalogue/metrics.csv lays it out: current name, unit, group, opening balance and target.
-- params: none.
with
opening as (
    select metric_code, value as opening_value from current_opening_balances
),
targets as (
    select metric_code, target_value, strftime(target_month, '%Y-%m') as target_month
    from current_targets
    where target_value is not null
),
final as (
    select
        m.metric_code,
        m.finding_code,
        cast(m.ordinal as varchar) as ordinal,
        m.name,
        m.unit,
        m.kind,
        m.group_code,
        o.opening_value,
        t.target_value,
        t.target_month,
        m.source_quote,
        m.approximate,
        m.same_as,
        m.definition,
        coalesce(f.ordinal, 0) as finding_ordinal,
        m.ordinal as sort_ordinal
    from metrics as m
    left join findings as f using (finding_code)
    left join opening as o using (metric_code)
    left join targets as t using (metric_code)
)
select * exclude (finding_ordinal, sort_ordinal) from final order by finding_ordinal, sort_ordinal
