"""Fixtures of the core's tests: a file storage of the test's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client


@pytest.fixture
def storage_dir(private_files: Path) -> Path:
    """Point the default file storage at a fresh directory and return it."""
    return private_files


def stored_files(location: Path) -> list[Path]:
    return sorted(p for p in location.rglob("*") if p.is_file()) if location.exists() else []


def upload(name: str, content: bytes) -> ContentFile:
    return ContentFile(content, name=name)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
