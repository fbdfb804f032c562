-- 008: every figure with its definition, headlines that say what they count.
-- metrics.definition: the 口径 — what one unit is, what counts, the month a figure belongs to.
-- metrics.approximate: the report's own marker of a rounded figure ('余' as in 2000余, '约' as in 约700),
--   null when the report states the figure exactly.
-- metrics.same_as: another metric that reports the same event (问题17's 79 joint inspections are
--   问题12's), so no total counts it twice.
-- outcome_groups.headline_title / headline_definition: what a headline tile is called and its one-line 口径.
-- headline_metrics: the metric(s) each headline shows, named in the catalogue (no more summing by unit).
-- catalogue_revisions: which revision of data/catalogue the store has taken in; a store built from an
--   older revision is brought up to date when it is opened (rectification/bootstrap.py: upgrade).
alter table metrics add column definition varchar;
alter table metrics add column approximate varchar;
alter table metrics add column same_as varchar;
alter table outcome_groups add column headline_title varchar;
alter table outcome_groups add column headline_definition varchar;

create table headline_metrics (
    group_code  varchar not null,
    ordinal     integer not null,
    metric_code varchar not null,
    primary key (group_code, metric_code)
);

create table catalogue_revisions (
    revision   integer primary key,
    applied_at timestamp not null default current_timestamp,
    detail     varchar
);
