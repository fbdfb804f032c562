-- programme: the rectification this store tracks, held as data instead of constants in code — the
-- unit (as the report signs it, and in short), the inspection, who inspected and when, the feedback
-- date, the month tracking starts and the report's (opening) month, the source report and the
-- catalogue the store was built from. One row for now. The migration only creates the table: `init`
-- fills it from data/programme.csv, and `upgrade` / `init` give a store built before this migration
-- its row from the same file (the data lives in one reviewable place, not copied into SQL).
create table programme (
    code varchar primary key,
    unit varchar not null,
    unit_short varchar not null,
    name varchar not null,
    kind varchar not null check (kind in ('巡察', '巡视', '审计', '督察', '其他')),
    inspected_by varchar,
    inspection_start date,
    inspection_end date,
    feedback_date date,
    tracking_start date not null check (day(tracking_start) = 1),
    opening_month date not null check (day(opening_month) = 1),
    source_report varchar,
    catalogue_source varchar not null,
    created_at timestamp not null default current_timestamp,
    check (opening_month >= tracking_start)
);
