"""A JSON encoder's `encode` without the C encoder that `encode` builds anew on every call.

`json.JSONEncoder.encode` makes a C encoder for each value it encodes, which costs about as
much as encoding a short list. The encoders here are made once, with the standard encoder's
settings but no check for reference cycles (the mock only encodes trees it built). Whatever the
C encoder raises on is encoded again by the standard encoder, so the outcome is always the
standard one: the same text, or its error (a cycle is its "Circular reference detected", not a
RecursionError from deep inside C). Where the C accelerator is missing or refuses these
arguments (another Python's), the standard `encode` does all the work.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# The C accelerator's encoder factory; None on a Python built without it.
C_MAKE_ENCODER: Callable[..., Any] | None = getattr(json.encoder, "c_make_encoder", None)


def compact_encoder(
    standard: json.JSONEncoder, make: Callable[..., Any] | None = C_MAKE_ENCODER
) -> Callable[[Any], str]:
    """`standard.encode` (compact separators, no indent), its C encoder made once."""
    if make is None or standard.indent is not None:
        return standard.encode
    escape = (
        json.encoder.encode_basestring_ascii
        if standard.ensure_ascii
        else json.encoder.encode_basestring
    )
    try:
        # markers (None: no cycle check), then the standard encoder's own settings: default,
        # string encoder, indent, key and item separators, sort_keys, skipkeys, allow_nan.
        encode_chunks = make(
            None,
            standard.default,
            escape,
            None,
            standard.key_separator,
            standard.item_separator,
            standard.sort_keys,
            standard.skipkeys,
            standard.allow_nan,
        )
    except Exception:
        return standard.encode

    def encode(value: Any) -> str:
        try:
            return "".join(encode_chunks(value, 0))
        except Exception:
            return standard.encode(value)

    return encode
