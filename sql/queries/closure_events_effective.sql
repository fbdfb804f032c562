-- closure_events_effective: one row per closure step (submit / approve / return / held / relapsed) that
-- counts, in the order they happened: a request made by a ledger upload that was rolled back does not.
-- The report's own 已完成 (the current opening status, 期初数据) counts as a sign-off by 'system' at its
-- month: derived, not stored, so a corrected opening status (a catalogue upgrade) moves it with it.
-- params: $finding (finding_code, or null for every finding).
with
events as (
    select * from closure_events
),
-- Before the workflow existed 已完成 was the only closure: the report's closure dates from the start of
-- the unbroken run of 已完成 statuses that leads up to the report's month (the demo history's too).
opening_closures as (
    select
        -row_number() over (order by s.finding_code) as event_id,
        s.finding_code,
        'approve' as kind,
        (
            select min(d.month)
            from current_finding_status as d
            where d.finding_code = s.finding_code and d.status = '已完成' and d.month <= s.month
              and d.month > coalesce(
                  (select max(n.month) from current_finding_status as n
                   where n.finding_code = s.finding_code and n.status <> '已完成' and n.month < s.month),
                  date '1900-01-01'
              )
        ) as month,
        -- 截至 the report's month: the opening status's own month (the programme's opening month)
        '通报公布已完成（截至' || year(s.month) || '年' || month(s.month) || '月），视同已销号' as note,
        'system' as user_name,
        u.created_at,
        cast(null as integer) as submission_id,
        cast(null as date) as recheck_month,
        s.upload_id
    from current_finding_status as s
    join live_uploads as u using (upload_id)
    where u.kind = 'opening' and s.status = '已完成'
),
unioned as (
    select * from opening_closures
    union all by name
    select * from events
),
final as (
    select e.*
    from unioned as e
    where (e.upload_id is null or e.upload_id in (select upload_id from live_uploads))
      and ($finding is null or e.finding_code = $finding)
)
select * from final order by month, event_id
