-- closure_events_effective: one row per closure step (submit / approve / return / held / relapsed) that
-- counts, in the order they happened: a request made by a ledger upload that was rolled back does not.
-- params: $finding (finding_code, or null for every finding).
with
events as (
    select * from closure_events
),
final as (
    select e.*
    from events as e
    where (e.upload_id is null or e.upload_id in (select upload_id from live_uploads))
      and ($finding is null or e.finding_code = $finding)
)
select * from final order by month, event_id
