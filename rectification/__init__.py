"""整改进展看板 — the core: store, ingest, queries, charts, briefing, auth and CLI. Imports no streamlit."""
