"""Traditional forms folded back to the simplified characters a mainland ID card prints.

The OCR model sometimes returns 廣西壯族自治區 for 广西壮族自治区. Only characters outside
GB 2312 (the simplified set) are folded, each to its OpenCC simplified form when that is in
GB 2312: 乾 and 於, valid simplified characters, stay as read. Names are not folded: the
2013 standard character list admits a few traditional forms (such as 昇) in personal names.
"""

from __future__ import annotations

from functools import lru_cache

import opencc

_CONVERTER = opencc.OpenCC("t2s")


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=4096)
def _simplified(ch: str) -> str:
    if ch.isascii() or _in_gb2312(ch):
        return ch
    folded = _CONVERTER.convert(ch)
    return folded if len(folded) == 1 and _in_gb2312(folded) else ch


def simplified(text: str) -> str:
    return "".join(_simplified(ch) for ch in text)
