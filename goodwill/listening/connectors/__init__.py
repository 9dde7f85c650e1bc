"""Channel connectors: each turns a platform's API into MessageItems (see base.py)."""

import goodwill.listening.connectors.bluesky  # noqa: F401 (registers it)
import goodwill.listening.connectors.mastodon  # noqa: F401
import goodwill.listening.connectors.reddit  # noqa: F401
import goodwill.listening.connectors.rss  # noqa: F401
import goodwill.listening.connectors.trustpilot  # noqa: F401
import goodwill.listening.connectors.x  # noqa: F401
from goodwill.listening.connectors import graph, imap, webhook  # noqa: F401 (registers them)
