"""The 56 officially recognised ethnic groups, as printed on the ID card (without 族)."""

from __future__ import annotations

import unicodedata

ETHNICITIES: tuple[str, ...] = (
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西",
    "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌",
    "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
    "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
_KNOWN = frozenset(ETHNICITIES)

# Traditional or variant forms OCR models return for characters of the 56 names.
_SIMPLIFIED = str.maketrans({
    "漢": "汉", "維": "维", "爾": "尔", "鮮": "鲜", "滿": "满", "納": "纳", "頗": "颇", "達": "达", "錫": "锡", "烏": "乌", "別": "别",
    "羅": "罗", "溫": "温", "獨": "独", "龍": "龙", "門": "门", "諾": "诺", "東": "东", "鄉": "乡", "壯": "壮", "猺": "瑶",
})


def normalise_ethnicity(raw: str) -> str | None:
    """One of the 56 names, or None. Accepts a trailing 族 and traditional forms."""
    text = unicodedata.normalize("NFKC", raw or "").strip().translate(_SIMPLIFIED)
    text = "".join(text.split()).removeprefix("民族").removesuffix("族")
    return text if text in _KNOWN else None
