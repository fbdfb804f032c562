-- finding_measures: one row per measure of a finding, in the report's order, verbatim.
-- params: $finding (finding_code).
select ordinal, ordinal_label, text
from measures
where finding_code = $finding
order by ordinal
