-- 009: 销号 — a finding closes only with evidence and a reviewer's sign-off; deadlines change only
-- with approval; closed findings are re-checked (回头看). Everything is append-only: the state is
-- derived from the events (rectification/closure.py), nothing is updated or deleted.

-- The reviewer role (审核, the 整改办). DuckDB cannot alter a CHECK constraint, so the table is rebuilt.
create table users_009 (
    username             varchar primary key,
    display_name         varchar,
    department           varchar,
    role                 varchar not null check (role in ('viewer', 'editor', 'reviewer', 'admin')),
    password_hash        varchar not null,
    failed_logins        integer not null default 0,
    locked_until         timestamp,
    must_change_password boolean not null default false,
    disabled             boolean not null default false,
    created_at           timestamp not null default current_timestamp
);
insert into users_009 by name select * from users;
drop table users;
alter table users_009 rename to users;

-- One row per step of the workflow: submit (申请销号), approve (销号), return (退回),
-- held / relapsed (回头看：巩固 / 反弹). month: the month the step counts from.
create sequence closure_event_id_seq start 1;
create table closure_events (
    event_id      integer primary key default nextval('closure_event_id_seq'),
    finding_code  varchar not null,
    kind          varchar not null check (kind in ('submit', 'approve', 'return', 'held', 'relapsed')),
    month         date not null,
    note          varchar,            -- submit: 整改情况说明; return / relapsed: the reason; approve: remark
    user_name     varchar not null,
    created_at    timestamp not null default current_timestamp,
    submission_id integer,            -- approve / return: the submit event decided
    recheck_month date,               -- approve: when to look back (回头看)
    upload_id     integer             -- submit made by a ledger upload: void once that upload is rolled back
);

-- Evidence (佐证材料): the bytes once per SHA-256, the files as submitted, withdrawals.
create table evidence_blobs (
    sha256     varchar primary key,
    content    blob not null,
    size_bytes bigint not null,
    media_type varchar not null,
    stored_at  timestamp not null default current_timestamp
);

create sequence evidence_id_seq start 1;
create table evidence_files (
    evidence_id    integer primary key default nextval('evidence_id_seq'),
    event_id       integer not null,   -- the submission it came with
    finding_code   varchar not null,
    sha256         varchar not null,   -- the file as sent
    display_sha256 varchar,            -- images: the re-encoded copy shown and handed out
    file_name      varchar not null,   -- as sent; shown escaped, never used as a path
    caption        varchar,
    kind           varchar not null check (kind in ('image', 'pdf', 'document')),
    media_type     varchar not null,
    extension      varchar not null,   -- from the detected type, not from the name
    uploaded_by    varchar not null,
    uploaded_at    timestamp not null default current_timestamp
);

create table evidence_withdrawals (
    evidence_id  integer not null,
    withdrawn_by varchar not null,
    withdrawn_at timestamp not null default current_timestamp,
    reason       varchar
);

-- Deadlines: set (a plan), request (延期申请), approve / refuse (the decision on a request).
create sequence deadline_change_id_seq start 1;
create table deadline_changes (
    change_id         integer primary key default nextval('deadline_change_id_seq'),
    finding_code      varchar not null,
    kind              varchar not null check (kind in ('set', 'request', 'approve', 'refuse')),
    deadline          date,            -- set / request / approve: the date
    previous_deadline date,            -- the deadline in force before this change
    leader            varchar,
    reason            varchar,
    request_id        integer,         -- approve / refuse: the request decided
    user_name         varchar not null,
    created_at        timestamp not null default current_timestamp
);

-- Existing stores: the report's 已完成 counts as 已销号 without a stored row (closure_events_effective
-- derives it from the current opening status, so a corrected catalogue moves it too)…
-- …and a ledger that last said 已完成 becomes a closure request, with its note as the submission note.
insert into closure_events (finding_code, kind, month, note, user_name, upload_id)
select s.finding_code, 'submit', s.month, coalesce(s.note, '台账报已完成'), u.user_name, s.upload_id
from current_finding_status as s
join live_uploads as u using (upload_id)
where u.kind = 'ledger'
  and s.status = '已完成'
  and s.month = (select max(l.month) from current_finding_status as l where l.finding_code = s.finding_code)
order by s.finding_code;
