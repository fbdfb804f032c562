"""`init`: the catalogue, the report's opening balances and statuses, and the labelled demo history."""

from __future__ import annotations

import dataclasses
import hashlib
import random
from pathlib import Path

import duckdb
import pandas as pd

from rectification import catalogue
from rectification.core import audit, programme, store, vocabulary
from rectification.core.config import CATALOGUE_DIR, DATA_DIR
from rectification.core.months import chinese, month_range, to_date
from rectification.core.programme import PROGRAMME_FILE, Programme
from rectification.core.store import transaction
from rectification.workflow import auth, uploads

SYSTEM_USER = "system"


# The demo's second unit (示例数据): an invented sub-bureau's audit, so a new store shows the
# rectification picker and the city office's view at once. The tests use it as their synthetic case.
SECOND_DEMO_DIR = DATA_DIR / "demo" / "donghu-audit"


def is_initialised(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the connection is in a rectification that holds its catalogue."""
    return store.in_programme(con) and con.execute("select count(*) from findings").fetchone()[0] > 0


def initialise(
    con: duckdb.DuckDBPyConnection,
    *,
    sample: bool = True,
    directory: Path = CATALOGUE_DIR,
    programme_file: Path = PROGRAMME_FILE,
) -> str:
    """Build a new store for the rectification in `programme_file`, from the catalogue in `directory`
    (with `sample`, also the demo's second unit, SECOND_DEMO_DIR); on one that already holds it, only
    take in a newer revision of the catalogue it was built from (upgrade). The connection ends in the
    store's default rectification."""
    if is_initialised(con):
        detail = upgrade(con, directory, programme_file)
        return f"数据库已初始化；{detail}。" if detail else "数据库已初始化，未作任何更改。"
    message = create(con, directory=directory, programme_file=programme_file, sample=sample, open_to_network=True)
    if sample and programme.read_file(SECOND_DEMO_DIR / "programme.csv").code not in store.programme_codes(con):
        # Open to the network like the first: both are 示例数据, and a visitor sees the picker at once.
        create(
            con,
            directory=SECOND_DEMO_DIR,
            programme_file=SECOND_DEMO_DIR / "programme.csv",
            sample=True,
            open_to_network=True,
        )
        message += "另建示例整改一项（第二个单位，示例数据）。"
    store.use_programme(con)
    return message


def create(
    con: duckdb.DuckDBPyConnection,
    *,
    directory: Path,
    programme_file: Path,
    sample: bool,
    code: str | None = None,
    open_to_network: bool = False,
    actor: str = SYSTEM_USER,
) -> str:
    """A new rectification in the store, from a catalogue directory and its programme.csv (`code`
    replaces the file's): its row and schema, catalogue, opening balances and statuses and, with
    `sample`, its labelled demo history, in one transaction. The connection is left in it."""
    auth.check_may_add_programme(con, actor)
    own = dataclasses.replace(
        programme.read_file(programme_file),
        catalogue_source=programme.stored_path(directory),
        open_to_network=open_to_network,
    )
    if code:
        own = dataclasses.replace(own, code=code)
    with transaction(con):
        own = store.add_programme(con, own)
        if own.source_report_path is not None and own.source_report_path.is_file():
            # Kept with the rectification, so a backup holds it and the 通报 draft follows it anywhere.
            source = own.source_report_path
            store.keep_document(con, own.code, source.name, source.read_bytes())
        findings = catalogue.load(con, directory)
        metrics = catalogue.read_metrics(directory)
        _load_opening(con, findings, metrics, own)
        if sample:
            _load_sample(con, findings, metrics, own)
        detail = f"载入通报目录与期初数据{'（含示例数据）' if sample else ''}"
        catalogue.record_revision(con, "init")
        audit.record(con, user=actor, action="init", target=own.code, detail=detail)
    counts = con.execute("select (select count(*) from findings), (select count(*) from metrics)").fetchone()
    label = "含示例数据" if sample else "不含示例数据"
    return f"已初始化：{counts[0]} 项整改问题，{counts[1]} 个指标，{label}（{own.title}，编号 {own.code}）。"


def _load_opening(con, findings: pd.DataFrame, metrics: pd.DataFrame, own: Programme) -> None:
    month = to_date(own.opening_month)
    upload_id = uploads.new_upload(
        con,
        kind="opening",
        source=vocabulary.SOURCE_OPENING,
        user=SYSTEM_USER,
        file_name=f"{own.catalogue_source}（通报截至{chinese(own.opening_month)}）",
        months=[own.opening_month],
        n_rows=len(metrics) + len(findings),
        n_new=len(metrics) + len(findings),
    )
    store.insert_rows(
        con,
        "insert into opening_balances (metric_code, month, value, upload_id) values (?, ?, ?, ?)",
        [[code, month, float(value), upload_id] for code, value in zip(metrics.metric_code, metrics.opening_value)],
    )
    store.insert_rows(
        con,
        "insert into finding_status (finding_code, month, status, note, upload_id, revision) values (?, ?, ?, ?, ?, 1)",
        [[f.finding_code, month, f.status, f.status_basis, upload_id] for f in findings.itertuples()],
    )
    targets = metrics[metrics.target_value.notna()]
    if targets.empty:  # a new rectification's draft has no targets yet: 目标设置 sets them
        return
    store.insert_rows(
        con,
        "insert into metric_targets (metric_code, target_value, target_month, basis, set_by) values (?, ?, ?, ?, ?)",
        [
            [
                t.metric_code,
                float(t.target_value),
                to_date(t.target_month) if t.target_month else None,
                "通报原文",
                SYSTEM_USER,
            ]
            for t in targets.itertuples()
        ],
    )


def _rng(code: str) -> random.Random:
    """A generator seeded by the code, so the demo history is the same on every machine."""
    return random.Random(int(hashlib.sha256(code.encode()).hexdigest()[:12], 16))


def split_total(total: float, months: int, rng: random.Random) -> list[float]:
    """Split a cumulative total into `months` non-negative monthly values that add up to it exactly."""
    weights = [rng.uniform(0.4, 1.6) for _ in range(months)]
    scale = total / sum(weights)
    if float(total).is_integer():
        raw = [w * scale for w in weights]
        values = [int(r) for r in raw]
        by_remainder = sorted(range(months), key=lambda i: raw[i] - values[i], reverse=True)
        for i in by_remainder[: int(total) - sum(values)]:
            values[i] += 1
        return [float(v) for v in values]
    values = [round(w * scale, 2) for w in weights[:-1]]
    return values + [round(total - sum(values), 2)]


def level_path(final: float, months: int, rng: random.Random, *, is_rate: bool) -> list[float]:
    """A plausible rising path of a month-end state that ends at the reported value."""
    if not is_rate:
        return [final] * months
    start = final * rng.uniform(0.55, 0.8)
    step = (final - start) / (months - 1)
    return [round(start + step * i, 1) for i in range(months - 1)] + [final]


def status_path(final: str, months: list[str], rng: random.Random) -> list[str]:
    """Monthly statuses before the report's month, leading plausibly to its status."""
    n = len(months)
    started = rng.randint(0, 2)
    finished = rng.randint(started + 1, n)  # month index at which the final state is reached
    path = []
    for i in range(n):
        if i < started:
            path.append("未启动")
        elif final in ("已完成", "长期坚持") and i >= finished:
            path.append(final)
        else:
            path.append("推进中")
    return path


def tracked_months(own: Programme) -> list[str]:
    """The months the demo history covers: from the tracking start to the report's month."""
    return month_range(own.tracking_start, own.opening_month)


def sample_values(metrics: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """The demo history of every metric: metric_code, month (YYYY-MM), value — monthly counts that add up
    to the report's figure, levels that end at it. A metric that reports the same event as another
    (same_as) repeats that one's months, so the twins never disagree. `months`: tracked_months."""
    paths = {}
    for m in metrics.itertuples():
        rng = _rng(m.metric_code)
        total = float(m.opening_value)
        if m.kind == "count":
            paths[m.metric_code] = split_total(total, len(months), rng)
        else:
            paths[m.metric_code] = level_path(total, len(months), rng, is_rate=m.unit == "%")
    for m in metrics.itertuples():
        twin = getattr(m, "same_as", None)
        if isinstance(twin, str) and twin in paths and float(m.opening_value) == sum(paths[twin]):
            paths[m.metric_code] = list(paths[twin])
    rows = [[code, month, value] for code, values in paths.items() for month, value in zip(months, values)]
    return pd.DataFrame(rows, columns=["metric_code", "month", "value"])


def sample_statuses(findings: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """The demo status of every finding in each month before the report's (which the opening holds);
    `months`: tracked_months, the report's last."""
    status_months = months[:-1]
    rows = []
    for f in findings.itertuples():
        path = status_path(f.status, status_months, _rng(f.finding_code))
        rows += [[f.finding_code, month, status] for month, status in zip(status_months, path)]
    return pd.DataFrame(rows, columns=["finding_code", "month", "status"])


def _load_sample(con, findings: pd.DataFrame, metrics: pd.DataFrame, own: Programme) -> None:
    months = tracked_months(own)
    rows = [[r.metric_code, to_date(r.month), r.value] for r in sample_values(metrics, months).itertuples()]
    statuses = [[r.finding_code, to_date(r.month), r.status] for r in sample_statuses(findings, months).itertuples()]
    _insert_sample(con, rows, statuses, file_name="示例数据（系统生成）", months=months)


def _insert_sample(con, values: list, statuses: list, *, file_name: str, months: list[str]) -> None:
    """Demo figures and statuses as one sample upload, each a new revision of its month."""
    upload_id = uploads.new_upload(
        con,
        kind="observations",
        source=vocabulary.SOURCE_SAMPLE,
        user=SYSTEM_USER,
        file_name=file_name,
        months=months,
        n_rows=len(values) + len(statuses),
        n_new=len(values) + len(statuses),
    )
    _append_revisions(con, "observations", values, upload_id)
    _append_revisions(con, "finding_status", statuses, upload_id)


# Each inserts the registered frame new_rows (key, month, field) as the next revision of its month.
_APPEND_REVISIONS = {
    "observations": "insert into observations (metric_code, month, value, note, upload_id, revision)"
    " select n.key, n.month, n.field, '示例数据', ?, coalesce(r.revision, 0) + 1 from new_rows as n"
    " left join (select metric_code as key, month, max(revision) as revision from observations group by all)"
    " as r using (key, month)",
    "finding_status": "insert into finding_status (finding_code, month, status, note, upload_id, revision)"
    " select n.key, n.month, n.field, '示例数据', ?, coalesce(r.revision, 0) + 1 from new_rows as n"
    " left join (select finding_code as key, month, max(revision) as revision from finding_status group by all)"
    " as r using (key, month)",
}


def _append_revisions(con, table: str, rows: list, upload_id: int) -> None:
    if not rows:
        return
    con.register("new_rows", pd.DataFrame(rows, columns=["key", "month", "field"]))
    try:
        con.execute(_APPEND_REVISIONS[table], [upload_id])
    finally:
        con.unregister("new_rows")


# --- Bringing a store built from an older catalogue revision up to date -------------------------

UPGRADE_FILE_NAME = "data/catalogue（第{revision}版更正）"
METRIC_REPORT_FIELDS = ("source_quote", "approximate", "same_as")  # the report's own, never edited


def upgrade(
    con: duckdb.DuckDBPyConnection, directory: Path = CATALOGUE_DIR, programme_file: Path = PROGRAMME_FILE
) -> str | None:
    """Take in the corrections of a newer revision of the catalogue the store was built from: new
    metrics, definitions, flags and headlines; corrected opening balances and opening statuses (as a new
    期初数据 upload, so the old values stay in the history); and, in a store with demo data, the demo
    months redrawn to add up to the corrected figures (only where the demo value still counts). Nothing
    an administrator or an editor set is overwritten. A store of another rectification, or built from
    another catalogue than `directory`, is left alone. Returns what was done, or None when there was
    nothing to do."""
    if not is_initialised(con):
        return None
    own = programme.current(con)
    if not _built_from(own, directory, programme_file):
        return None
    revision = catalogue.store_revision(con)
    if revision is None or revision >= catalogue.REVISION:
        return None
    with transaction(con):
        return _upgrade_catalogue_revision(con, directory, own)


def _built_from(own: Programme, directory: Path, programme_file: Path) -> bool:
    """True when the store's rectification is the one in `programme_file`, built from `directory`."""
    same_catalogue = programme.resolve(own.catalogue_source) == programme.resolve(directory)
    return same_catalogue and own.code == programme.read_file(programme_file).code


def _upgrade_catalogue_revision(con, directory: Path, own: Programme) -> str:
    notes = _upgrade_catalogue(con, directory)
    findings = catalogue.read_table("findings", directory)
    metrics = catalogue.read_metrics(directory)
    notes += _upgrade_opening(con, findings, metrics, own, revision=catalogue.REVISION)
    notes += _upgrade_sample(con, findings, metrics, own)
    detail = f"通报目录更新至第{catalogue.REVISION}版：" + ("；".join(notes) if notes else "无需更正")
    catalogue.record_revision(con, detail)
    audit.record(con, user=SYSTEM_USER, action="catalogue_upgrade", target=str(catalogue.REVISION), detail=detail)
    return detail


def _upgrade_catalogue(con, directory: Path) -> list[str]:
    notes = []
    groups = catalogue.read_table("outcome_groups", directory)
    known_groups = {row[0] for row in con.execute("select group_code from outcome_groups").fetchall()}
    for g in groups.itertuples():
        values = [g.headline_unit, g.headline_title, g.headline_definition]
        if g.group_code in known_groups:
            con.execute(
                "update outcome_groups set headline_unit = ?, headline_title = ?, headline_definition = ?"
                " where group_code = ?",
                [*values, g.group_code],
            )
        else:
            con.execute(
                "insert into outcome_groups (group_code, ordinal, name, is_headline, headline_unit, headline_title,"
                " headline_definition) values (?, (select coalesce(max(ordinal), 0) + 1 from outcome_groups), ?, ?, ?, ?, ?)",
                [g.group_code, g.name, str(g.is_headline).lower() == "true", *values],
            )

    metrics = catalogue.read_metrics(directory)
    stored = con.execute("select metric_code from metrics").fetchall()
    stored = {row[0] for row in stored}
    edited = {
        row[0]
        for row in con.execute(
            "select distinct target from audit_log where action = 'catalogue_edit' and target is not null"
            " and programme_code = current_programme_code()"
        ).fetchall()
    }
    added = []
    for m in metrics.itertuples():
        report = [getattr(m, field) for field in METRIC_REPORT_FIELDS]
        if m.metric_code not in stored:
            ordinal = con.execute(
                "select case when count(*) filter (where ordinal = $ordinal) = 0 then $ordinal"
                " else max(ordinal) + 1 end from metrics where finding_code is not distinct from $finding",
                {"ordinal": int(m.ordinal), "finding": m.finding_code},
            ).fetchall()[0][0]
            con.execute(
                "insert into metrics (metric_code, finding_code, ordinal, name, unit, kind, group_code, source_quote,"
                " approximate, same_as, definition, origin) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '通报')",
                [m.metric_code, m.finding_code, ordinal, m.name, m.unit, m.kind, m.group_code, *report, m.definition],
            )
            added.append(m.metric_code)
            continue
        con.execute(
            "update metrics set source_quote = ?, approximate = ?, same_as = ? where metric_code = ?",
            [*report, m.metric_code],
        )
        # What 目录管理 may change (name, unit, kind, group, 口径) is the catalogue's only while nobody has.
        if m.metric_code not in edited:
            con.execute(
                "update metrics set name = ?, unit = ?, kind = ?, group_code = ?, definition = ? where metric_code = ?",
                [m.name, m.unit, m.kind, m.group_code, m.definition, m.metric_code],
            )
    if added:
        notes.append(f"新增指标 {len(added)} 个（{'、'.join(added)}）")

    members = catalogue.read_headline_metrics(directory)
    con.execute("delete from headline_metrics")
    store.insert_rows(
        con,
        "insert into headline_metrics (group_code, ordinal, metric_code) values (?, ?, ?)",
        [[r.group_code, int(r.ordinal), r.metric_code] for r in members.itertuples()],
    )
    notes.append("补充每个指标的口径、约数标记、同一事项标记和重点成效的组成")
    return notes


def _upgrade_opening(con, findings: pd.DataFrame, metrics: pd.DataFrame, own: Programme, *, revision: int) -> list[str]:
    """Opening balances and opening statuses that differ from the catalogue's, corrected by a new opening
    upload; a status someone has since reported for the report's month is theirs and stays."""
    month = to_date(own.opening_month)
    current = dict(con.execute("select metric_code, value from current_opening_balances").fetchall())
    balances = [
        [m.metric_code, float(m.opening_value)]
        for m in metrics.itertuples()
        if m.opening_value is not None and current.get(m.metric_code) != float(m.opening_value)
    ]
    status_now = {
        row[0]: (row[1], row[2], row[3])
        for row in con.execute(
            "select s.finding_code, s.status, s.note, u.kind from current_finding_status as s"
            " join uploads as u using (upload_id) where s.month = ?",
            [month],
        ).fetchall()
    }
    statuses = []
    for f in findings.itertuples():
        status, note, kind = status_now.get(f.finding_code, (None, None, "opening"))
        if kind == "opening" and (status, note) != (f.status, f.status_basis):
            statuses.append([f.finding_code, f.status, f.status_basis])
    if not balances and not statuses:
        return []
    upload_id = uploads.new_upload(
        con,
        kind="opening",
        source=vocabulary.SOURCE_OPENING,
        user=SYSTEM_USER,
        file_name=UPGRADE_FILE_NAME.format(revision=revision),
        months=[own.opening_month],
        n_rows=len(balances) + len(statuses),
        n_new=len(balances) + len(statuses),
    )
    store.insert_rows(
        con,
        "insert into opening_balances (metric_code, month, value, upload_id) values (?, ?, ?, ?)",
        [[code, month, value, upload_id] for code, value in balances],
    )
    store.insert_rows(
        con,
        "insert into finding_status (finding_code, month, status, note, upload_id, revision)"
        " values (?, ?, ?, ?, ?, coalesce((select max(revision) from finding_status"
        " where finding_code = ? and month = ?), 0) + 1)",
        [[code, month, status, note, upload_id, code, month] for code, status, note in statuses],
    )
    notes = []
    if balances:
        notes.append(f"更正期初值 {len(balances)} 个（{'、'.join(code for code, _ in balances)}）")
    if statuses:
        notes.append(f"更正期初状态 {len(statuses)} 项（{'、'.join(code for code, _, _ in statuses)}）")
    return notes


def _upgrade_sample(con, findings: pd.DataFrame, metrics: pd.DataFrame, own: Programme) -> list[str]:
    """Redraw the demo months where the demo value still counts and no longer adds up to the catalogue."""
    live_sample = con.execute(
        "select count(*) from live_uploads where source = ? and kind = 'observations'", [vocabulary.SOURCE_SAMPLE]
    ).fetchall()[0][0]
    if not live_sample:
        return []
    months = tracked_months(own)
    values = sample_values(metrics, months).assign(month=lambda f: f.month.map(to_date))
    statuses = sample_statuses(findings, months).assign(month=lambda f: f.month.map(to_date))
    con.register("new_sample_values", values)
    con.register("new_sample_statuses", statuses)
    try:
        changed_values = con.execute(
            "select n.metric_code, n.month, n.value from new_sample_values as n"
            " left join current_observations as o using (metric_code, month)"
            " left join uploads as u on u.upload_id = o.upload_id"
            " where o.metric_code is null or (u.source = ? and o.value <> n.value)",
            [vocabulary.SOURCE_SAMPLE],
        ).fetchall()
        changed_statuses = con.execute(
            "select n.finding_code, n.month, n.status from new_sample_statuses as n"
            " left join current_finding_status as s using (finding_code, month)"
            " left join uploads as u on u.upload_id = s.upload_id"
            " where s.finding_code is null or (u.source = ? and s.status <> n.status)",
            [vocabulary.SOURCE_SAMPLE],
        ).fetchall()
    finally:
        con.unregister("new_sample_values")
        con.unregister("new_sample_statuses")
    if not changed_values and not changed_statuses:
        return []
    months = sorted({row[1].strftime("%Y-%m") for row in changed_values + changed_statuses})
    _insert_sample(con, changed_values, changed_statuses, file_name="示例数据（系统生成，随目录更正）", months=months)
    return [f"示例数据随之更新 {len(changed_values)} 个月度数值、{len(changed_statuses)} 个月度状态"]
