"""The bottom layer: settings, months, the DuckDB store and its migrations, the audit log, backups."""
