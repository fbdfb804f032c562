-- A figure that is not finite or is 1e12 or more (rectification.ingest.values.MAX_ABS_VALUE) is
-- refused on import now; a store filled before that may hold one (400 nines were stored as
-- infinity). It counts as not reported: every chart, export, 问题详情 and the pack read
-- current_observations, so they show a blank month instead of breaking; the stored row stays
-- for the record, and 数据管理 says why it does not count.
create macro usable_value(v) as case when isfinite(v) and abs(v) < 1e12 then v end;

create or replace view current_observations as
select o.* replace (usable_value(o.value) as value)
from observations as o
join live_uploads as u using (upload_id)
qualify row_number() over (partition by o.metric_code, o.month order by o.revision desc) = 1;
