"""Every chart of the dashboard and the briefing: theme.py (the house style and axes), figures.py (one
pure function per chart), assembly.py (from the dashboard's data to a figure)."""
