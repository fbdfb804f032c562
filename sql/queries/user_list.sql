-- user_list: every account without its password hash, by username, with its last sign-in.
-- params: none.
select
    u.username,
    u.display_name,
    u.department,
    u.unit,
    u.role,
    u.disabled,
    u.must_change_password,
    u.failed_logins,
    u.locked_until,
    u.created_at,
    max(s.created_at) as last_login
from users as u
left join sessions as s on s.username = u.username
group by all
order by u.username
