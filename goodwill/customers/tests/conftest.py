"""Customer tests sign in as a supervisor: merges and the review queue need that role
(goodwill.accounts.permissions; the role x write matrix is in goodwill/accounts/tests)."""

from __future__ import annotations

from typing import Any

import pytest

from goodwill.accounts import services as account_services
from goodwill.web.tests.helpers import PASSWORD


@pytest.fixture
def user(db: None) -> Any:
    return account_services.create_staff_user(
        username="supervisor", password=PASSWORD, roles=["supervisor"]
    )
