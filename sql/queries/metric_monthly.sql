-- metric_monthly: one row per metric and month, from the metric's first figure to the store's last
-- month: the value reported that month (null when none), the cumulative position, and where the
-- month's figure came from (upload source: 示例数据 / 期初数据 / 月报 / 台账).
-- params: none.
with
values_ as (
    select metric_code, month, value, cumulative from metric_month_values
),
observed as (
    select o.metric_code, o.month, u.source
    from current_observations as o
    join live_uploads as u using (upload_id)
),
opening as (
    select ob.metric_code, ob.month, u.source
    from current_opening_balances as ob
    join live_uploads as u using (upload_id)
),
final as (
    select
        strftime(v.month, '%Y-%m') as month,
        v.metric_code,
        v.value,
        v.cumulative,
        coalesce(obs.source, op.source) as source
    from values_ as v
    left join observed as obs using (metric_code, month)
    left join opening as op using (metric_code, month)
)
select * from final order by metric_code, month
