-- catalogue_findings: one row per finding, as data/catalogue/findings.csv lays it out: the current
-- lead department, leader and deadline (目标设置 edits them), and the report's own status and basis
-- (the opening upload's, not this month's).
-- params: none.
with
opening_status as (
    select s.finding_code, s.status, s.note as status_basis
    from finding_status as s
    join live_uploads as u using (upload_id)
    where u.kind = 'opening'
    qualify row_number() over (partition by s.finding_code order by s.upload_id desc, s.revision desc) = 1
),
final as (
    select
        f.finding_code,
        cast(f.report_number as varchar) as report_number,
        f.section_code,
        f.theme_code,
        f.title,
        f.lead_department,
        f.responsible_leader,
        strftime(f.deadline, '%Y-%m-%d') as deadline,
        case when f.is_long_term then 'true' else 'false' end as is_long_term,
        o.status,
        o.status_basis,
        f.ordinal
    from findings as f
    left join opening_status as o using (finding_code)
)
select * exclude (ordinal) from final order by ordinal
