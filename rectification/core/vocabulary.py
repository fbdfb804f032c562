"""The words the store, the rules and the pages share, defined once. SQL checks in the migrations use
the same words; tests/test_vocabulary.py fails when the two drift apart."""

# Statuses a unit reports for a finding (the catalogue, the ledger, finding_status.status).
NOT_STARTED, ONGOING, REPORTED_DONE, LONG_TERM = "未启动", "推进中", "已完成", "长期坚持"
REPORTED_STATUSES = (NOT_STARTED, ONGOING, REPORTED_DONE, LONG_TERM)

# Closure states (销号): a reported 已完成 is a request, not a closure, until a reviewer signs it off.
PENDING, CLOSED = "待审核", "已销号"
CLOSURE_STATES = (NOT_STARTED, ONGOING, PENDING, CLOSED, LONG_TERM)

# Closure steps as stored in closure_events.kind.
CLOSURE_EVENTS = ("submit", "approve", "return", "held", "relapsed")

# Deadline levels, from furthest to past.
NOTICE, WARNING, OVERDUE = "临近", "预警", "逾期"

# Steps of a deadline (deadline_changes.kind): a reviewer sets it, a unit requests an extension, a
# reviewer approves or refuses the request.
DEADLINE_CHANGES = ("set", "request", "approve", "refuse")

# What an upload holds (uploads.kind); a rollback withdraws an earlier upload.
UPLOAD_KINDS = ("observations", "ledger", "opening", "rollback")

# Kinds of evidence file (evidence_files.kind).
EVIDENCE_KINDS = ("image", "pdf", "document")

# Kinds of metric (metrics.kind): a count is reported as the month's new figure, a level as the month-end state.
METRIC_KINDS = ("count", "level")

# Accounts' roles (users.role), from least to most within a unit; then the city office's (市局整改办),
# which reads every unit's rectifications and changes none.
ROLES = ("viewer", "editor", "reviewer", "admin", "office")

# Where an upload's figures came from (uploads.source).
SOURCE_SAMPLE = "示例数据"
SOURCE_OPENING = "期初数据"
SOURCE_MONTHLY = "月报"
SOURCE_LEDGER = "台账"
SOURCE_ROLLBACK = "撤销"
SOURCES = (SOURCE_SAMPLE, SOURCE_OPENING, SOURCE_MONTHLY, SOURCE_LEDGER, SOURCE_ROLLBACK)

# A figure beyond this is a typing error, whether it comes from a file or a target form.
MAX_ABS_VALUE = 1e12

# What kind of rectification a programme is: who found the problems.
PROGRAMME_KINDS = ("巡察", "巡视", "审计", "督察", "其他")
