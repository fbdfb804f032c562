-- finding_status_monthly: one row per finding and month from the start of tracking to the store's
-- last month: the status in force (the latest reported up to that month, 未启动 before any report),
-- whether a status was reported that very month, and the source of the status in force.
-- params: $first (date, first of month): the first month of the grid.
with
reported as (
    select s.finding_code, s.month, s.status, u.source
    from current_finding_status as s
    join live_uploads as u using (upload_id)
),
last_month as (
    select greatest(
        (select max(month) from reported),
        coalesce((select max(month) from metric_month_values), cast($first as date))
    ) as month
),
months as (
    select cast(unnest(generate_series(cast($first as timestamp), cast(l.month as timestamp), interval 1 month)) as date) as month
    from last_month as l
),
grid as (
    select f.finding_code, f.ordinal, m.month
    from findings as f
    cross join months as m
),
joined as (
    select
        g.finding_code,
        g.ordinal,
        g.month,
        r.status,
        r.source,
        r.status is not null as is_reported
    from grid as g
    left join reported as r using (finding_code, month)
),
final as (
    select
        finding_code,
        strftime(month, '%Y-%m') as month,
        coalesce(last_value(status ignore nulls) over w, '未启动') as status,
        last_value(source ignore nulls) over w as source,
        is_reported,
        ordinal
    from joined
    window w as (partition by finding_code order by month rows between unbounded preceding and current row)
)
select finding_code, month, status, source, is_reported from final order by ordinal, month
