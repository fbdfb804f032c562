-- The rectification this store tracks: its one programme row (empty before `init`/`upgrade` fill it).
-- Grain: one row at most. Parameters: none.
select code, unit, unit_short, name, kind, tracking_start, opening_month
from programme
order by created_at
limit 1
