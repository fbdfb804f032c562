-- 001: the catalogue, uploads, append-only observations and status history.
-- Observations, statuses, targets and rollbacks are only ever inserted: the current
-- state is derived by the views at the end of this file.

create table sections (
    section_code varchar primary key,
    ordinal      integer not null,
    title        varchar not null
);

create table themes (
    theme_code   varchar primary key,
    section_code varchar not null,
    ordinal      integer not null,
    title        varchar not null
);

create table outcome_groups (
    group_code  varchar primary key,
    ordinal     integer not null,
    name        varchar not null,
    is_headline boolean not null
);

create table findings (
    finding_code       varchar primary key,
    ordinal            integer not null,
    report_number      integer,
    section_code       varchar not null,
    theme_code         varchar,
    title              varchar not null,
    lead_department    varchar,
    responsible_leader varchar,
    deadline           date,
    is_long_term       boolean not null
);

create table measures (
    finding_code  varchar not null,
    ordinal       integer not null,
    ordinal_label varchar,
    text          varchar not null,
    primary key (finding_code, ordinal)
);

create table metrics (
    metric_code  varchar primary key,
    finding_code varchar,
    ordinal      integer not null,
    name         varchar not null,
    unit         varchar not null,
    kind         varchar not null check (kind in ('count', 'level')),
    group_code   varchar not null,
    source_quote varchar
);

create sequence upload_id_seq start 1;

-- One row per import: a monthly figures file, a ledger file, the opening balances, or a rollback.
create table uploads (
    upload_id   integer primary key default nextval('upload_id_seq'),
    kind        varchar not null check (kind in ('observations', 'ledger', 'opening', 'rollback')),
    source      varchar not null,  -- 示例数据 / 期初数据 / 月报 / 台账 / 撤销
    user_name   varchar not null,
    created_at  timestamp not null default current_timestamp,
    file_name   varchar,
    sha256      varchar,
    months      varchar,           -- comma-separated YYYY-MM the upload touched
    n_rows      integer not null default 0,
    n_new       integer not null default 0,
    n_unchanged integer not null default 0,
    n_revised   integer not null default 0,
    n_skipped   integer not null default 0,
    rolls_back  integer,           -- for kind = 'rollback': the upload it undoes
    original    blob               -- the file as the user sent it
);

create table opening_balances (
    metric_code varchar not null,
    month       date not null,
    value       double not null,
    upload_id   integer not null
);

create table observations (
    metric_code varchar not null,
    month       date not null,     -- first day of the month
    value       double not null,
    note        varchar,
    upload_id   integer not null,
    revision    integer not null,  -- 1, 2, … per (metric_code, month); the highest live one counts
    primary key (metric_code, month, revision)
);

create table finding_status (
    finding_code varchar not null,
    month        date not null,
    status       varchar not null check (status in ('未启动', '推进中', '已完成', '长期坚持')),
    note         varchar,
    upload_id    integer not null,
    revision     integer not null,
    primary key (finding_code, month, revision)
);

create table metric_targets (
    metric_code  varchar not null,
    target_value double,           -- null clears the target
    target_month date,
    basis        varchar,
    set_by       varchar not null,
    set_at       timestamp not null default current_timestamp
);

-- An upload counts unless a rollback that is itself live undoes it.
create view live_uploads as
select u.*
from uploads as u
where u.kind <> 'rollback'
  and u.upload_id not in (select r.rolls_back from uploads as r where r.kind = 'rollback');

create view current_observations as
select o.*
from observations as o
join live_uploads as u using (upload_id)
qualify row_number() over (partition by o.metric_code, o.month order by o.revision desc) = 1;

create view current_opening_balances as
select ob.*
from opening_balances as ob
join live_uploads as u using (upload_id)
qualify row_number() over (partition by ob.metric_code order by ob.upload_id desc) = 1;

create view current_finding_status as
select s.*
from finding_status as s
join live_uploads as u using (upload_id)
qualify row_number() over (partition by s.finding_code, s.month order by s.revision desc) = 1;

create view current_targets as
select *
from metric_targets
qualify row_number() over (partition by metric_code order by set_at desc, rowid desc) = 1;

-- Every metric, every month from its first figure to the last month the store has data:
-- the month's reported value (null when nothing was reported) and the cumulative position.
-- count: running total since tracking began, the opening balance included;
-- level: the latest state reported (or the opening balance) up to that month.
create view metric_month_values as
with
obs as (
    select metric_code, month, value from current_observations
),
opening as (
    select metric_code, month, value from current_opening_balances
),
dated as (
    select metric_code, month from obs
    union all
    select metric_code, month from opening
),
first_month as (
    select metric_code, min(month) as month from dated group by metric_code
),
last_month as (
    select max(month) as month from dated
),
grid as (
    select
        f.metric_code,
        cast(unnest(generate_series(cast(f.month as timestamp), cast(l.month as timestamp), interval 1 month)) as date) as month
    from first_month as f
    cross join last_month as l
),
-- The opening balance is the cumulative total at its month; whatever the monthly values up
-- to then do not explain is booked once, in that month, so demo months replace it exactly.
adjustment as (
    select
        op.metric_code,
        op.month,
        op.value - coalesce((
            select sum(o.value) from obs as o where o.metric_code = op.metric_code and o.month <= op.month
        ), 0) as delta
    from opening as op
),
joined as (
    select
        grid.metric_code,
        grid.month,
        m.kind,
        obs.value,
        adjustment.delta,
        opening.value as opening_value
    from grid
    join metrics as m using (metric_code)
    left join obs using (metric_code, month)
    left join adjustment using (metric_code, month)
    left join opening using (metric_code, month)
),
final as (
    select
        metric_code,
        month,
        kind,
        value,
        case
            when kind = 'count' then sum(coalesce(value, 0) + coalesce(delta, 0)) over w
            else last_value(coalesce(value, opening_value) ignore nulls) over w
        end as cumulative
    from joined
    window w as (partition by metric_code order by month rows between unbounded preceding and current row)
)
select * from final;
