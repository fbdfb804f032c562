-- metric_target_history: one row per target ever set for a metric, newest first (null value = cleared).
-- params: $metric (metric_code).
select
    target_value,
    strftime(target_month, '%Y-%m') as target_month,
    basis,
    set_by,
    set_at
from metric_targets
where metric_code = $metric
order by set_at desc, rowid desc
