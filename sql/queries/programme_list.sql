-- Every rectification in the store, in the fixed order the store keeps (the order they were created
-- in, unless an administrator changed it): never ranked by any figure.
-- Grain: one row per programme. Parameters: none.
select
    code, unit, unit_short, name, kind, inspected_by, inspection_start, inspection_end, feedback_date,
    tracking_start, opening_month, source_report, catalogue_source, created_at, schema_name, ordinal,
    open_to_network
from main.programme
order by ordinal, code
