-- finding_catalogue: one row per finding, in report order: where it belongs and who answers for it.
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
        section_title,
        section_ordinal,
        theme_title,
        title,
        lead_department,
        responsible_leader,
        deadline,
        is_long_term,
        ordinal
    from outline
)
select * from final order by ordinal
