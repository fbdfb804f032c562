-- GENERATED FILE, do not edit: the store's schema after every migration in sql/migrations/ and
-- sql/programme/, as DuckDB describes it (duckdb_sequences, duckdb_tables, duckdb_functions,
-- duckdb_views, duckdb_indexes). Regenerate with `make schema` (python -m rectification.core.schema)
-- after adding a migration; tests/test_schema_file.py fails when this file is stale. For reading: the
-- migrations build the store.
--
-- Part 1 is schema main: the store's own tables. Part 2 is the schema every rectification has (p1,
-- p2, …), named by its programme row.

-- Sequences

CREATE SEQUENCE audit_id_seq INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START 1 NO CYCLE;

-- Tables

CREATE TABLE audit_log(
    audit_id INTEGER DEFAULT(nextval('audit_id_seq')) PRIMARY KEY,
    logged_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL,
    user_name VARCHAR NOT NULL,
    "action" VARCHAR NOT NULL,
    "target" VARCHAR,
    detail VARCHAR,
    programme_code VARCHAR
);

CREATE TABLE data_version(
    "version" BIGINT NOT NULL
);

CREATE TABLE evidence_blobs(
    sha256 VARCHAR PRIMARY KEY,
    "content" BLOB NOT NULL,
    size_bytes BIGINT NOT NULL,
    media_type VARCHAR NOT NULL,
    stored_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL
);

CREATE TABLE programme(
    code VARCHAR PRIMARY KEY,
    unit VARCHAR NOT NULL,
    unit_short VARCHAR NOT NULL,
    "name" VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    inspected_by VARCHAR,
    inspection_start DATE,
    inspection_end DATE,
    feedback_date DATE,
    tracking_start DATE NOT NULL,
    opening_month DATE NOT NULL,
    source_report VARCHAR,
    catalogue_source VARCHAR NOT NULL,
    created_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL,
    schema_name VARCHAR,
    ordinal INTEGER,
    open_to_network BOOLEAN DEFAULT(false) NOT NULL,
    CHECK((kind IN ('巡察', '巡视', '审计', '督察', '其他'))),
    CHECK(("day"(tracking_start) = 1)),
    CHECK(("day"(opening_month) = 1)),
    CHECK((opening_month >= tracking_start))
);

CREATE TABLE programme_documents(
    programme_code VARCHAR PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    kept_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL
);

CREATE TABLE schema_version(
    "version" INTEGER PRIMARY KEY,
    "name" VARCHAR NOT NULL,
    applied_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL
);

CREATE TABLE sessions(
    token_hash VARCHAR PRIMARY KEY,
    username VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);

CREATE TABLE store_settings(
    "name" VARCHAR PRIMARY KEY,
    "value" VARCHAR NOT NULL
);

CREATE TABLE users(
    username VARCHAR PRIMARY KEY,
    display_name VARCHAR,
    department VARCHAR,
    "role" VARCHAR NOT NULL,
    password_hash VARCHAR NOT NULL,
    failed_logins INTEGER DEFAULT(0) NOT NULL,
    locked_until TIMESTAMP,
    must_change_password BOOLEAN DEFAULT(false) NOT NULL,
    disabled BOOLEAN DEFAULT(false) NOT NULL,
    created_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL,
    unit VARCHAR,
    CHECK(("role" IN ('viewer', 'editor', 'reviewer', 'admin', 'office')))
);

-- Macros

CREATE MACRO current_programme_code() AS (SELECT p.code FROM main.programme AS p WHERE (p.schema_name = current_schema()));

-- ==================================================================================================
-- Part 2: a rectification's schema (p1, p2, …), from sql/programme/
-- ==================================================================================================

-- Sequences

CREATE SEQUENCE annotation_id_seq INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START 1 NO CYCLE;

CREATE SEQUENCE closure_event_id_seq INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START 1 NO CYCLE;

CREATE SEQUENCE deadline_change_id_seq INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START 1 NO CYCLE;

CREATE SEQUENCE evidence_id_seq INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START 1 NO CYCLE;

CREATE SEQUENCE upload_id_seq INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START 1 NO CYCLE;

-- Tables

CREATE TABLE p1.annotation_retractions(
    annotation_id INTEGER NOT NULL,
    retracted_by VARCHAR NOT NULL,
    retracted_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL
);

CREATE TABLE p1.annotations(
    annotation_id INTEGER DEFAULT(nextval('annotation_id_seq')) PRIMARY KEY,
    metric_code VARCHAR,
    finding_code VARCHAR,
    "month" DATE NOT NULL,
    "text" VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    created_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL,
    CHECK(((metric_code IS NULL) != (finding_code IS NULL)))
);

CREATE TABLE p1.catalogue_revisions(
    revision INTEGER PRIMARY KEY,
    applied_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL,
    detail VARCHAR
);

CREATE TABLE p1.closure_events(
    event_id INTEGER DEFAULT(nextval('closure_event_id_seq')) PRIMARY KEY,
    finding_code VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    "month" DATE NOT NULL,
    note VARCHAR,
    user_name VARCHAR NOT NULL,
    created_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL,
    submission_id INTEGER,
    recheck_month DATE,
    upload_id INTEGER,
    CHECK((kind IN ('submit', 'approve', 'return', 'held', 'relapsed')))
);

CREATE TABLE p1.deadline_changes(
    change_id INTEGER DEFAULT(nextval('deadline_change_id_seq')) PRIMARY KEY,
    finding_code VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    deadline DATE,
    previous_deadline DATE,
    leader VARCHAR,
    reason VARCHAR,
    request_id INTEGER,
    user_name VARCHAR NOT NULL,
    created_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL,
    CHECK((kind IN ('set', 'request', 'approve', 'refuse')))
);

CREATE TABLE p1.evidence_files(
    evidence_id INTEGER DEFAULT(nextval('evidence_id_seq')) PRIMARY KEY,
    event_id INTEGER,
    finding_code VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    display_sha256 VARCHAR,
    file_name VARCHAR NOT NULL,
    caption VARCHAR,
    kind VARCHAR NOT NULL,
    media_type VARCHAR NOT NULL,
    "extension" VARCHAR NOT NULL,
    uploaded_by VARCHAR NOT NULL,
    uploaded_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL,
    change_id INTEGER,
    CHECK((kind IN ('image', 'pdf', 'document')))
);

CREATE TABLE p1.evidence_withdrawals(
    evidence_id INTEGER NOT NULL,
    withdrawn_by VARCHAR NOT NULL,
    withdrawn_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL,
    reason VARCHAR
);

CREATE TABLE p1.finding_status(
    finding_code VARCHAR,
    "month" DATE,
    status VARCHAR NOT NULL,
    note VARCHAR,
    upload_id INTEGER NOT NULL,
    revision INTEGER,
    CHECK((status IN ('未启动', '推进中', '已完成', '长期坚持'))),
    PRIMARY KEY(finding_code, "month", revision)
);

CREATE TABLE p1.findings(
    finding_code VARCHAR PRIMARY KEY,
    ordinal INTEGER NOT NULL,
    report_number INTEGER,
    section_code VARCHAR NOT NULL,
    theme_code VARCHAR,
    title VARCHAR NOT NULL,
    lead_department VARCHAR,
    responsible_leader VARCHAR,
    deadline DATE,
    is_long_term BOOLEAN NOT NULL
);

CREATE TABLE p1.headline_metrics(
    group_code VARCHAR,
    ordinal INTEGER NOT NULL,
    metric_code VARCHAR,
    PRIMARY KEY(group_code, metric_code)
);

CREATE TABLE p1.measures(
    finding_code VARCHAR,
    ordinal INTEGER,
    ordinal_label VARCHAR,
    "text" VARCHAR NOT NULL,
    PRIMARY KEY(finding_code, ordinal)
);

CREATE TABLE p1.metric_targets(
    metric_code VARCHAR NOT NULL,
    target_value DOUBLE,
    target_month DATE,
    basis VARCHAR,
    set_by VARCHAR NOT NULL,
    set_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL
);

CREATE TABLE p1.metrics(
    metric_code VARCHAR PRIMARY KEY,
    finding_code VARCHAR,
    ordinal INTEGER NOT NULL,
    "name" VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    group_code VARCHAR NOT NULL,
    source_quote VARCHAR,
    origin VARCHAR DEFAULT('通报') NOT NULL,
    retired_from DATE,
    active_from DATE,
    definition VARCHAR,
    approximate VARCHAR,
    same_as VARCHAR,
    CHECK((kind IN ('count', 'level')))
);

CREATE TABLE p1.observations(
    metric_code VARCHAR,
    "month" DATE,
    "value" DOUBLE NOT NULL,
    note VARCHAR,
    upload_id INTEGER NOT NULL,
    revision INTEGER,
    PRIMARY KEY(metric_code, "month", revision)
);

CREATE TABLE p1.opening_balances(
    metric_code VARCHAR NOT NULL,
    "month" DATE NOT NULL,
    "value" DOUBLE NOT NULL,
    upload_id INTEGER NOT NULL
);

CREATE TABLE p1.outcome_groups(
    group_code VARCHAR PRIMARY KEY,
    ordinal INTEGER NOT NULL,
    "name" VARCHAR NOT NULL,
    is_headline BOOLEAN NOT NULL,
    headline_unit VARCHAR,
    headline_title VARCHAR,
    headline_definition VARCHAR
);

CREATE TABLE p1.programme_change(
    "version" BIGINT NOT NULL
);

CREATE TABLE p1.programme_schema_version(
    "version" INTEGER PRIMARY KEY,
    "name" VARCHAR NOT NULL,
    applied_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL
);

CREATE TABLE p1.sections(
    section_code VARCHAR PRIMARY KEY,
    ordinal INTEGER NOT NULL,
    title VARCHAR NOT NULL
);

CREATE TABLE p1.themes(
    theme_code VARCHAR PRIMARY KEY,
    section_code VARCHAR NOT NULL,
    ordinal INTEGER NOT NULL,
    title VARCHAR NOT NULL
);

CREATE TABLE p1.uploads(
    upload_id INTEGER DEFAULT(nextval('upload_id_seq')) PRIMARY KEY,
    kind VARCHAR NOT NULL,
    "source" VARCHAR NOT NULL,
    user_name VARCHAR NOT NULL,
    created_at TIMESTAMP DEFAULT(current_timestamp) NOT NULL,
    file_name VARCHAR,
    sha256 VARCHAR,
    "months" VARCHAR,
    n_rows INTEGER DEFAULT(0) NOT NULL,
    n_new INTEGER DEFAULT(0) NOT NULL,
    n_unchanged INTEGER DEFAULT(0) NOT NULL,
    n_revised INTEGER DEFAULT(0) NOT NULL,
    n_skipped INTEGER DEFAULT(0) NOT NULL,
    rolls_back INTEGER,
    original BLOB,
    CHECK((kind IN ('observations', 'ledger', 'opening', 'rollback')))
);

-- Macros

CREATE MACRO usable_value(v) AS CASE  WHEN ((isfinite(v) AND (abs(v) < 1e12))) THEN (v) ELSE NULL END;

-- Views

CREATE VIEW p1.current_annotations AS SELECT a.* FROM annotations AS a WHERE (NOT (a.annotation_id = ANY(SELECT r.annotation_id FROM annotation_retractions AS r)));

CREATE VIEW p1.current_finding_status AS SELECT s.* FROM (finding_status AS s INNER JOIN live_uploads AS u USING (upload_id)) QUALIFY (row_number() OVER (PARTITION BY s.finding_code, s."month" ORDER BY s.revision DESC) = 1);

CREATE VIEW p1.current_observations AS SELECT o.* REPLACE (usable_value(o."value") AS "value") FROM (observations AS o INNER JOIN live_uploads AS u USING (upload_id)) QUALIFY (row_number() OVER (PARTITION BY o.metric_code, o."month" ORDER BY o.revision DESC) = 1);

CREATE VIEW p1.current_opening_balances AS SELECT ob.* FROM (opening_balances AS ob INNER JOIN live_uploads AS u USING (upload_id)) QUALIFY (row_number() OVER (PARTITION BY ob.metric_code ORDER BY ob.upload_id DESC) = 1);

CREATE VIEW p1.current_targets AS SELECT * FROM metric_targets QUALIFY (row_number() OVER (PARTITION BY metric_code ORDER BY set_at DESC, rowid DESC) = 1);

CREATE VIEW p1.finding_outline AS SELECT f.finding_code, f.report_number, f.section_code, s.ordinal AS section_ordinal, s.title AS section_title, f.theme_code, t.ordinal AS theme_ordinal, t.title AS theme_title, f.title, f.lead_department, f.responsible_leader, f.deadline, f.is_long_term, f.ordinal FROM ((findings AS f INNER JOIN sections AS s USING (section_code)) LEFT JOIN themes AS t USING (theme_code));

CREATE VIEW p1.live_uploads AS SELECT u.* FROM uploads AS u WHERE ((u.kind != 'rollback') AND (NOT (u.upload_id = ANY(SELECT r.rolls_back FROM uploads AS r WHERE (r.kind = 'rollback')))));

CREATE VIEW p1.metric_month_values AS WITH obs AS (SELECT metric_code, "month", "value" FROM current_observations), opening AS (SELECT metric_code, "month", "value" FROM current_opening_balances), dated AS ((SELECT metric_code, "month" FROM obs) UNION ALL (SELECT metric_code, "month" FROM opening)), first_month AS (SELECT metric_code, min("month") AS "month" FROM dated GROUP BY metric_code), last_month AS (SELECT max("month") AS "month" FROM dated), grid AS (SELECT f.metric_code, CAST(unnest(generate_series(CAST(f."month" AS TIMESTAMP), CAST(l."month" AS TIMESTAMP), to_months(CAST(trunc(CAST(1 AS DOUBLE)) AS INTEGER)))) AS date) AS "month" FROM (first_month AS f CROSS JOIN last_month AS l)), adjustment AS (SELECT op.metric_code, op."month", (op."value" - COALESCE((SELECT sum(o."value") FROM obs AS o WHERE ((o.metric_code = op.metric_code) AND (o."month" <= op."month"))), 0)) AS delta FROM opening AS op), joined AS (SELECT grid.metric_code, grid."month", m.kind, obs."value", adjustment.delta, opening."value" AS opening_value FROM ((((grid INNER JOIN metrics AS m USING (metric_code)) LEFT JOIN obs USING (metric_code, "month")) LEFT JOIN adjustment USING (metric_code, "month")) LEFT JOIN opening USING (metric_code, "month"))), final AS (SELECT metric_code, "month", kind, "value", CASE  WHEN ((kind = 'count')) THEN (sum((COALESCE("value", 0) + COALESCE(delta, 0))) OVER (PARTITION BY metric_code ORDER BY "month" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) ELSE last_value(COALESCE("value", opening_value) IGNORE NULLS) OVER (PARTITION BY metric_code ORDER BY "month" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS cumulative FROM joined) SELECT * FROM final;
