"""The briefing: images.py (PNG rendering and its cache), tables.py (slide tables measured), content.py
(what the meeting pack says), deck.py (the PPTX drawn)."""
