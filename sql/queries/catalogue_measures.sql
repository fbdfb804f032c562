-- catalogue_measures: one row per measure (一是/二是…), as data/catalogue/measures.csv lays it out.
-- params: none.
with
final as (
    select
        m.finding_code,
        cast(m.ordinal as varchar) as ordinal,
        m.ordinal_label,
        m.text,
        f.ordinal as finding_ordinal,
        m.ordinal as sort_ordinal
    from measures as m
    join findings as f using (finding_code)
)
select * exclude (finding_ordinal, sort_ordinal) from final order by finding_ordinal, sort_ordinal
