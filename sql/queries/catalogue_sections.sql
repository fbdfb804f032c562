-- catalogue_sections: one row per report section, as data/catalogue/sections.csv lays it out.
-- params: none.
select section_code, cast(ordinal as varchar) as ordinal, title
from sections
order by sections.ordinal
