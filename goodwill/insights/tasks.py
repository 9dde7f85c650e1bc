"""Scheduled spike scanning: every 5 minutes; a run with no newly closed bucket does nothing.

The same job looks for emerging phrases (each run tests the hours that closed since the last)
and stores the "new themes" report /alerts/ shows (it reads weeks of messages: seconds).
"""

from __future__ import annotations

from datetime import timedelta

from goodwill.insights import services
from goodwill.schedule import periodic


@periodic("insights.scan_spikes", every=timedelta(minutes=5))
def scan_spikes() -> None:
    services.scan_spikes()
    services.scan_emerging()
    services.refresh_themes()
