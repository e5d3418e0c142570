"""Bitstring Status List v1.0 (W3C): the list is a bitstring, index 0 the left-most (most significant)
bit of the first byte; `encodedList` is the GZIP-compressed bitstring, base64url without padding, with
the multibase prefix `u`. The minimum size is 131,072 bits (16 KB) so that one holder's index says
little about them (the specification's herd privacy)."""

from __future__ import annotations

import gzip
from collections.abc import Iterable

from .keys import b64url, b64url_decode

MIN_SIZE = 131_072


def encode(size: int, set_bits: Iterable[int]) -> str:
    data = bytearray(size // 8)
    for index in set_bits:
        data[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url(gzip.compress(bytes(data), mtime=0))


def is_set(encoded: str, index: int) -> bool:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix u)")
    data = gzip.decompress(b64url_decode(encoded[1:]))
    return bool(data[index // 8] & (0x80 >> (index % 8)))
