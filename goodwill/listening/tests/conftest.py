"""Fixtures for the listening tests: ``fake_server`` (see fakes.py) is available to all."""

from goodwill.listening.tests.fakes import fake_server  # noqa: F401 (a fixture)
