-- catalogue_headline_metrics: the metric(s) each headline shows, as data/catalogue/headline_metrics.csv lays it out.
-- params: none.
select
    h.group_code,
    cast(h.ordinal as varchar) as ordinal,
    h.metric_code
from headline_metrics as h
join outcome_groups as g using (group_code)
order by g.ordinal, h.ordinal
