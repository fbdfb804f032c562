-- catalogue_metric_lifecycle: one row per metric that differs from the report's catalogue by origin
-- or state (added by an administrator, or retired), in catalogue order; active_from: the month an
-- added metric is asked for from.
-- params: none.
with
final as (
    select
        m.metric_code,
        m.origin,
        strftime(m.retired_from, '%Y-%m') as retired_from,
        strftime(m.active_from, '%Y-%m') as active_from,
        coalesce(f.ordinal, 0) as finding_ordinal,
        m.ordinal
    from metrics as m
    left join findings as f using (finding_code)
    where m.origin <> '通报' or m.retired_from is not null
)
select * exclude (finding_ordinal, ordinal) from final order by finding_ordinal, ordinal
