-- evidence_files: one finding's evidence files, oldest first, with their size and whether they
-- were withdrawn (hidden, never deleted).
-- params: $finding.
select
    e.evidence_id,
    e.event_id,
    e.change_id,
    e.file_name,
    e.caption,
    e.kind,
    e.media_type,
    e.extension,
    e.sha256,
    e.display_sha256,
    b.size_bytes,
    e.uploaded_by,
    e.uploaded_at,
    exists (select 1 from evidence_withdrawals as w where w.evidence_id = e.evidence_id) as withdrawn
from evidence_files as e
join evidence_blobs as b using (sha256)
where e.finding_code = $finding
order by e.evidence_id
