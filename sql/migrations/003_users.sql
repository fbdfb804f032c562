-- 003: accounts and server-side sessions. No plain-text password is ever stored: password_hash is argon2id,
-- and a session is stored as the SHA-256 of its token, so a copied store file opens no live session.
create table users (
    username             varchar primary key,
    display_name         varchar,
    department           varchar,
    role                 varchar not null check (role in ('viewer', 'editor', 'admin')),
    password_hash        varchar not null,
    failed_logins        integer not null default 0,
    locked_until         timestamp,
    must_change_password boolean not null default false,
    disabled             boolean not null default false,
    created_at           timestamp not null default current_timestamp
);

create table sessions (
    token_hash  varchar primary key,  -- sha256 hex of the token kept in the browser session
    username    varchar not null,
    created_at  timestamp not null,
    last_seen   timestamp not null,
    ended_at    timestamp             -- logout, idle timeout, disabled user or password reset
);
