"""Service inputs typed as ``TypedDict`` (``ContactData``, ``TaskData``...), built from data whose
keys are known only at run time: an API body, an import row, a list's bulk edit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def checked(data: Mapping[str, Any], kind: Any) -> dict[str, Any]:
    """``data`` as a plain dict, once every key is one the TypedDict ``kind`` declares. A key it
    does not is a caller's mistake (the service would silently ignore it), not the user's."""
    allowed = kind.__required_keys__ | kind.__optional_keys__
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise TypeError(f"{kind.__name__} has no key {unknown[0]!r}")
    return dict(data)
