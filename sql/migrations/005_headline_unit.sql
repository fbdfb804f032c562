-- 005: which unit a headline outcome group adds up (头盔劝导 counts 场次, not 人次):
-- sums across units mean nothing, and the catalogue, not a heuristic, should say which one leads.
alter table outcome_groups add column headline_unit varchar;
