-- 012: evidence (佐证材料) may come with a deadline-extension request (延期申请) as well as with a
-- closure submission. Same files, same rules (content-typed, size limit, re-encoded images,
-- content-addressed blobs, append-only withdrawals); a file belongs to exactly one of the two.
alter table evidence_files add column change_id integer;  -- the deadline_changes 'request' it came with
alter table evidence_files alter column event_id drop not null;
