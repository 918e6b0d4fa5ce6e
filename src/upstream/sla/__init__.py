"""SLA engine: business calendars (pure `calendar.py`), vectors evaluation and the `upstream sla` command."""
