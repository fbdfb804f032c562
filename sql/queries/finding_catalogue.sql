-- finding_catalogue: one row per finding, in report order: where it belongs and who answers for it.
-- params: none.
with
final as (
    select
        f.finding_code,
        f.report_number,
        f.section_code,
        s.title as section_title,
        s.ordinal as section_ordinal,
        t.title as theme_title,
        f.title,
        f.lead_department,
        f.responsible_leader,
        f.deadline,
        f.is_long_term,
        f.ordinal
    from findings as f
    join sections as s using (section_code)
    left join themes as t using (theme_code)
)
select * from final order by ordinal
