"""The Sources page when nothing is pulled or pushed, although messages came in another way."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from goodwill.web.tests.helpers import ingest, post


@pytest.mark.django_db
def test_empty_sources_page_explains_where_imported_messages_are(signed_in: Any) -> None:
    # The demo world has 50,000 messages and its Sources page said only "No sources yet."
    ingest([post("i1", "someone", text="imported from a file")])
    html = signed_in.get(reverse("sources:list")).content.decode()
    empty = html[html.index('id="no-sources"') : html.index("</p>", html.index("no-sources"))]
    assert "goodwill import" in empty and "goodwill demo" in empty
    assert f'href="{reverse("listening:messages")}"' in empty
