-- Audit log entries, newest first, filtered: the store's own (users, backups) and those of the
-- rectification the connection is in, never another rectification's.
-- Grain: one row per audit_log row.
-- Params: $user_name (null = everyone), $action (null = every action),
--         $date_from, $date_to (dates, both inclusive).
with entries as (
    select * from audit_log
    where programme_code is null or programme_code = current_programme_code()
),

final as (
    select audit_id, logged_at, user_name, action, target, detail
    from entries
    where ($user_name is null or user_name = $user_name)
      and ($action is null or action = $action)
      and logged_at >= $date_from
      and logged_at < $date_to + interval 1 day
)

select * from final order by audit_id desc
