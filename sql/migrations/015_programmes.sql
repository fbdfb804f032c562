-- Several rectifications in one store. Each programme row now names the DuckDB schema that holds its
-- own tables (sql/programme/), its place in the fixed order the city office reads them in, and whether
-- a visitor who has not signed in may see it (where viewing needs no sign-in). The rectification a store
-- held before this migration is moved into schema p1 by store.migrate, right after this file, and stays
-- open to the network as it was. Users belong to a unit (NULL: the whole store, as administrators and
-- the city office do); the city office's role (office) reads every unit's rectifications. Audit rows
-- name the rectification they concern (NULL: the store itself: users, backups).
alter table programme add column schema_name varchar;
alter table programme add column ordinal integer;
alter table programme add column open_to_network boolean not null default false;
update programme set open_to_network = true;

alter table audit_log add column programme_code varchar;

-- The store's own settings: default_programme (the code commands and pages use when none is chosen).
create table store_settings (
    name  varchar primary key,
    value varchar not null
);

-- The code of the rectification the connection is in (NULL in schema main): audit rows carry it.
create macro current_programme_code() as (select p.code from main.programme as p where p.schema_name = current_schema());

-- The role check gains the city office's role: DuckDB cannot alter a check, so the table is rebuilt.
create table users_next (
    username             varchar primary key,
    display_name         varchar,
    department           varchar,
    role                 varchar not null check (role in ('viewer', 'editor', 'reviewer', 'admin', 'office')),
    password_hash        varchar not null,
    failed_logins        integer not null default 0,
    locked_until         timestamp,
    must_change_password boolean not null default false,
    disabled             boolean not null default false,
    created_at           timestamp not null default current_timestamp,
    unit                 varchar
);
insert into users_next by name select * from users;
drop table users;
alter table users_next rename to users;
