from __future__ import annotations

import pytest

from goodwill.customers.models import Customer
from goodwill.customers.services import IdentitySpec, ensure_identities


@pytest.mark.django_db
def test_an_email_identity_gives_its_new_customer_the_address() -> None:
    refs = ensure_identities(
        specs=[
            IdentitySpec(channel="email", external_id="Ana.Lopez@Example.com", handle="ana"),
            IdentitySpec(channel="email", external_id="not-an-address", handle="x"),
            IdentitySpec(channel="x", external_id="ana@example.com", handle="ana"),
        ]
    )
    emails = {key: Customer.objects.get(pk=ref.customer_id).email for key, ref in refs.items()}
    assert emails == {
        ("email", "Ana.Lopez@Example.com"): "ana.lopez@example.com",
        ("email", "not-an-address"): "",
        ("x", "ana@example.com"): "",
    }
