-- report_findings: one row per finding in report order, with where it stands in the report's outline
-- (section and theme, with their ordinals and titles) — what the 通报 draft walks.
-- params: none.
with
outline as (
    select * from finding_outline
),
final as (
    select
        finding_code,
        report_number,
        section_code,
        section_ordinal,
        section_title,
        theme_code,
        theme_ordinal,
        theme_title,
        title,
        is_long_term,
        ordinal
    from outline
)
select * from final order by ordinal
