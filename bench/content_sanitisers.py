"""Article rich text: nh3 (ammonia, Rust) against bleach (html5lib), same allow-list.

Prints sanitisations per second on a ~6 KB article and whether each strips the usual
script vectors. ``python bench/content_sanitisers.py`` (bleach is only needed here).
"""

from __future__ import annotations

import time

import nh3

try:
    import bleach
except ImportError:  # the app does not depend on bleach; it is the peer measured against
    bleach = None

TAGS = {"p", "br", "h2", "h3", "strong", "em", "u", "s", "blockquote", "ul", "ol", "li", "a", "img",
        "table", "thead", "tbody", "tr", "th", "td", "span", "code", "pre"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
VECTORS = [
    '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">x</a>',
    '<svg><script>alert(1)</script></svg>', '<iframe src="https://evil.example"></iframe>',
    '<p style="background:url(javascript:alert(1))">x</p>', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
]
ARTICLE = ("<h2>理财小课堂</h2><p>存款与<strong>基金</strong>的区别，<em>风险等级</em>R1–R5。"
           '<a href="https://bank.example/fund">了解更多</a></p><ul><li>一</li><li>二</li></ul>'
           '<img src="https://cdn.example/a.webp" alt="图" onerror="x()">') * 20


def nh3_clean(html: str) -> str:
    return nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"https"}, link_rel="noopener noreferrer")


def bleach_clean(html: str) -> str:
    attrs = {tag: sorted(names) for tag, names in ATTRIBUTES.items()}
    return bleach.clean(html, tags=TAGS, attributes=attrs, protocols={"https"}, strip=True)


def rate(clean, seconds: float = 1.5) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        clean(ARTICLE)
        n += 1
    return n / (time.perf_counter() - start)


def safe(clean) -> int:
    return sum(1 for v in VECTORS if not any(bad in clean(v).lower() for bad in ("<script", "onerror", "javascript:",
                                                                                   "<iframe", "style=")))


def main() -> None:
    print(f"article {len(ARTICLE.encode())} bytes, {len(VECTORS)} script vectors")
    peers = [("nh3", nh3_clean)] + ([("bleach", bleach_clean)] if bleach else [])
    rates = {}
    for name, clean in peers:
        rates[name] = rate(clean)
        print(f"{name:7s} {rates[name]:9.0f} articles/s   vectors neutralised {safe(clean)}/{len(VECTORS)}")
    if "bleach" in rates:
        print(f"nh3 / bleach: {rates['nh3'] / rates['bleach']:.1f}x")


if __name__ == "__main__":
    main()
