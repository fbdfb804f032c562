-- annotations_current: one row per annotation not retracted, newest month first: the metric or finding
-- it is about (a metric's note also carries the metric's finding, so the finding page lists it).
-- params: none.
with
notes as (
    select * from current_annotations
),
final as (
    select
        n.annotation_id,
        strftime(n.month, '%Y-%m') as month,
        n.metric_code,
        m.name as metric_name,
        coalesce(n.finding_code, m.finding_code) as finding_code,
        n.finding_code is not null as is_finding_note,
        n.text,
        n.author,
        n.created_at
    from notes as n
    left join metrics as m using (metric_code)
)
select * from final order by month desc, annotation_id desc
