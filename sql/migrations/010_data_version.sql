-- A change marker every writer bumps (store.transaction does it before each commit), so a
-- dashboard process notices a change made by the command line, or by another process, and
-- recomputes its cached pages. One row; its value only ever grows.
create table data_version (version bigint not null);
insert into data_version values (1);
