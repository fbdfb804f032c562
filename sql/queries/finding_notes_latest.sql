-- finding_notes_latest: per finding, the latest ledger note (整改台账 进展说明) up to a month, with its month.
-- params: $last (date, first of month): the month the view is "as of".
with
notes as (
    select s.finding_code, s.month, s.note
    from current_finding_status as s
    join live_uploads as u using (upload_id)
    where s.month <= cast($last as date)
      and s.note is not null
      and trim(s.note) <> ''
),
final as (
    select finding_code, strftime(month, '%Y-%m') as month, note
    from notes
    qualify row_number() over (partition by finding_code order by month desc) = 1
)
select * from final order by finding_code
