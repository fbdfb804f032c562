-- The rectification the connection is in: the programme row whose schema is the connection's current
-- schema (store.use_programme). Empty in schema main (a new store before `init`).
-- Grain: one row at most. Parameters: none.
select
    code, unit, unit_short, name, kind, inspected_by, inspection_start, inspection_end, feedback_date,
    tracking_start, opening_month, source_report, catalogue_source, created_at, schema_name, ordinal,
    open_to_network
from main.programme
where schema_name = current_schema()
