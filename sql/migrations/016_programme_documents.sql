-- The document each rectification was set up from (its published 通报 or 问题清单), kept in the store
-- like evidence (its bytes in evidence_blobs, by SHA-256), so a backup holds it and the next 通报
-- draft follows its structure wherever the store is moved. One per rectification: the latest kept.
create table programme_documents (
    programme_code varchar primary key,
    file_name      varchar not null,
    sha256         varchar not null,
    kept_at        timestamp not null default current_timestamp
);
