-- catalogue_outcome_groups: one row per outcome group, as data/catalogue/outcome_groups.csv lays it out.
-- params: none.
select
    group_code,
    cast(ordinal as varchar) as ordinal,
    name,
    case when is_headline then 'true' else 'false' end as is_headline,
    headline_unit,
    headline_title,
    headline_definition
from outcome_groups
order by outcome_groups.ordinal
