-- The rectification this store tracks: its one programme row (empty before `init`/`upgrade` fill it).
-- Grain: one row at most. Parameters: none.
select
    code, unit, unit_short, name, kind, inspected_by, inspection_start, inspection_end, feedback_date,
    tracking_start, opening_month, source_report, catalogue_source, created_at
from programme
order by created_at
limit 1
