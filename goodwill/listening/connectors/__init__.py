"""Channel connectors: each turns a platform's API into MessageItems (see base.py)."""

from goodwill.listening.connectors import graph, imap, webhook  # noqa: F401 (registers them)
