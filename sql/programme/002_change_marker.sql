-- The store's change marker (main.data_version) as it stood after the last commit that changed this
-- rectification: what caches of one rectification among many (the city office's roll-up) are keyed
-- by, so a change in another rectification leaves them warm. Set by store._bump.
create table programme_change (version bigint not null);
insert into programme_change select coalesce(max(version), 0) from main.data_version;
