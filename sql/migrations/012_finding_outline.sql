-- finding_outline: one row per finding with where it stands in the report's outline (section and
-- theme, with their ordinals and titles) and who answers for it. The joins the catalogue page and
-- the 通报 draft both start from, written once.
create view finding_outline as
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
    f.lead_department,
    f.responsible_leader,
    f.deadline,
    f.is_long_term,
    f.ordinal
from findings as f
join sections as s using (section_code)
left join themes as t using (theme_code);
