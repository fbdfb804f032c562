-- catalogue_themes: one row per theme, as data/catalogue/themes.csv lays it out.
-- params: none.
with
final as (
    select
        t.theme_code,
        t.section_code,
        cast(t.ordinal as varchar) as ordinal,
        t.title,
        s.ordinal as section_ordinal,
        t.ordinal as sort_ordinal
    from themes as t
    join sections as s using (section_code)
)
select * exclude (section_ordinal, sort_ordinal) from final order by section_ordinal, sort_ordinal
