-- The users and actions that occur in the audit log, for the page's filters.
-- Grain: one row per (kind, value). Params: none.
with entries as (
    select user_name, action from audit_log
    where programme_code is null or programme_code = current_programme_code()
),

final as (
    select distinct 'user' as kind, user_name as value from entries
    union all
    select distinct 'action' as kind, action as value from entries
)

select * from final order by kind, value
