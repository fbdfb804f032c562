-- 002: the audit trail. Every write through the app or the CLI records who did what.
create sequence audit_id_seq start 1;

create table audit_log (
    audit_id   integer primary key default nextval('audit_id_seq'),
    logged_at  timestamp not null default current_timestamp,
    user_name  varchar not null,
    action     varchar not null,  -- e.g. upload, rollback, target, annotation, status, user, login
    target     varchar,           -- what it acted on: an upload id, a metric or finding code, a username
    detail     varchar            -- a short human-readable description, never a password
);
