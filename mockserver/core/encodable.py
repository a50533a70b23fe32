"""Whether a string can leave the mock: UTF-8 encodes every string but one holding a lone
surrogate, which Python strings allow and JSON escapes (`"\\ud800"`) can produce."""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None
