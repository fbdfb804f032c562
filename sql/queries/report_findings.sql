-- report_findings: one row per finding in report order, with where it stands in the report's outline
-- (section and theme, with their ordinals and titles) — what the 通报 draft walks.
-- params: none.
with
final as (
    select
        f.finding_code,
        f.report_number,
        f.section_code,
        s.ordinal as section_ordinal,
        s.title as section_title,
        f.theme_code,
        t.ordinal as theme_ordinal,
        t.title as theme_title,
        f.title,
        f.is_long_term,
        f.ordinal
    from findings as f
    join sections as s using (section_code)
    left join themes as t using (theme_code)
)
select * from final order by ordinal
