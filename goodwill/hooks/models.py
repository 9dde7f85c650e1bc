from __future__ import annotations

from django.db import models


class Delivery(models.Model):
    """A signed inbound delivery already accepted, remembered until its signature expires.

    The unique (source, key) pair is the replay guard: a second insert of the same delivery
    fails inside the transaction that would have stored its messages. ``key`` is the sender's
    delivery id, or the signature when it sends none.
    """

    source = models.ForeignKey("listening.Source", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    received_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    items = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="hooks_delivery_once")
        ]

    def __str__(self) -> str:
        return f"delivery {self.key} to source {self.source_id}"
