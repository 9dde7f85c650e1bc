"""Sources that are pushed to rather than pulled: Meta's Graph webhook and Goodwill's signed
inbound webhook. The receiving endpoints live in ``goodwill.hooks``; these classes declare the
kinds and their settings so such a Source is added and listed like any other. A scheduled
run of one fetches nothing: its messages arrive as deliveries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from goodwill.core import Channel
from goodwill.listening.connectors.base import ConfigField, Connector, FetchPage, register


class _PushedConnector(Connector):
    pushed: ClassVar[bool] = True  # a runner may skip scheduling these: fetch has nothing to do

    def fetch(self, cursor: Mapping[str, Any]) -> FetchPage:
        return FetchPage(items=[], cursor=dict(cursor), more=False)


@register
class GraphWebhookConnector(_PushedConnector):
    """Facebook Page feed and Instagram comment changes pushed by Meta to /hooks/graph/<id>/."""

    kind = "graph_webhook"
    channel = Channel.FACEBOOK.value
    label = "Facebook / Instagram webhook"
    fields = (
        ConfigField(
            "app_secret",
            "App secret",
            secret=True,
            help="The Meta app's secret: it signs each delivery (X-Hub-Signature-256).",
        ),
        ConfigField(
            "verify_token",
            "Verify token",
            secret=True,
            help="Any string; enter the same one in the app's Webhooks settings.",
        ),
    )


@register
class SignedWebhookConnector(_PushedConnector):
    """Messages in Goodwill's generic JSON shape POSTed to /hooks/inbound/<id>/, signed with
    HMAC-SHA256 (see goodwill.hooks.signing for the scheme and a Python example)."""

    kind = "webhook"
    channel = Channel.WEBHOOK.value
    label = "Signed inbound webhook"
    fields = (
        ConfigField(
            "signing_secret",
            "Signing secret",
            secret=True,
            help="Shared with the sender; it signs t.body with HMAC-SHA256.",
        ),
    )
