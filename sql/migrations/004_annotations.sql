-- 004: annotations — dated notes an editor attaches to a metric or a finding ("4月起开展夜查行动").
-- Append-only like everything else: removing a note inserts a retraction; current_annotations is
-- what the charts and the detail page show.
create sequence annotation_id_seq start 1;

create table annotations (
    annotation_id integer primary key default nextval('annotation_id_seq'),
    metric_code   varchar,            -- exactly one of metric_code / finding_code is set
    finding_code  varchar,
    month         date not null,      -- first day of the month the note is about
    text          varchar not null,
    author        varchar not null,
    created_at    timestamp not null default current_timestamp,
    check ((metric_code is null) <> (finding_code is null))
);

create table annotation_retractions (
    annotation_id integer not null,
    retracted_by  varchar not null,
    retracted_at  timestamp not null default current_timestamp
);

create view current_annotations as
select a.*
from annotations as a
where a.annotation_id not in (select r.annotation_id from annotation_retractions as r);
