"""A statement period as a file the customer downloads: CSV (UTF-8 with BOM, so spreadsheet
programs read the Chinese) or PDF (reportlab with a CJK TrueType font from the machine).

Memos are the payers' free text: phone, ID and card numbers in them are masked, and a
summary starts with its label, so no memo can begin a CSV cell a spreadsheet would run as a
formula (=, +, -, @).
"""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

from infra.masking import redact
from ledger import errors
from ledger.limits import CHINA_STANDARD_TIME
from ledger.money import yuan
from ledger.statements import StatementLine, StatementPeriod

KIND_LABELS = {
    "transfer": "转账", "payment": "付款", "mp_payment": "小程序支付", "mp_refund": "退款", "deposit": "存入",
    "reversal": "冲正", "capture": "预授权扣款", "prize_payout": "彩票兑奖",
}
ACCOUNT_LABELS = {"class_one": "I类账户（绑定卡）", "class_two": "II类账户", "enterprise": "单位结算账户",
                  "merchant": "商户结算账户"}
_FONT_NAME = "StatementCJK"
_font_lock = threading.Lock()


def _summary(line: StatementLine) -> str:
    label = KIND_LABELS.get(line.kind, line.kind)
    if line.kind == "payment" and line.amount > 0:
        label = "收款"
    memo = redact(line.memo).strip()
    return f"{label} {memo}" if memo else label


def _local(moment) -> str:
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M:%S")


def _header(period: StatementPeriod) -> list[tuple[str, str]]:
    return [
        ("户名", period.holder_masked_name or "—"),
        ("账号", period.masked_number or "—"),
        ("账户类型", ACCOUNT_LABELS.get(period.account_kind, period.account_kind)),
        ("期间", f"{period.start.isoformat()} 至 {period.end.isoformat()}（北京时间）"),
        ("期初余额", yuan(period.opening_balance)),
        ("期末余额", yuan(period.closing_balance)),
        ("收入合计", yuan(period.total_in)),
        ("支出合计", yuan(period.total_out)),
        ("笔数", str(len(period.lines))),
        ("生成时间", _local(period.generated_at)),
    ]


def render_csv(period: StatementPeriod) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["账户对账单"])
    for label, value in _header(period):
        writer.writerow([label, value])
    writer.writerow([])
    writer.writerow(["交易时间", "摘要", "金额", "余额", "流水号"])
    for line in period.lines:
        writer.writerow([_local(line.created_at), _summary(line), yuan(line.amount, grouped=False),
                         yuan(line.balance_after, grouped=False), line.entry_id])
    return out.getvalue().encode("utf-8-sig")


def render_pdf(period: StatementPeriod, *, font_path: Path) -> bytes:
    """A4 pages: the header, then one row per line (reportlab is thread-safe per canvas; the
    font is registered once per process)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen import canvas

    _register_font(font_path)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle("账户对账单")
    width, height = A4
    left, right, bottom = 40, width - 40, 50
    page = 1

    def footer() -> None:
        pdf.setFont(_FONT_NAME, 8)
        pdf.drawCentredString(width / 2, 25, f"第 {page} 页")

    y = height - 50
    pdf.setFont(_FONT_NAME, 16)
    pdf.drawString(left, y, "账户对账单")
    y -= 26
    pdf.setFont(_FONT_NAME, 10)
    for label, value in _header(period):
        pdf.drawString(left, y, f"{label}：{value}")
        y -= 15
    y -= 10

    def column_titles(top: float) -> float:
        pdf.setFont(_FONT_NAME, 9)
        pdf.drawString(left, top, "交易时间")
        pdf.drawString(left + 105, top, "摘要")
        pdf.drawRightString(right - 90, top, "金额")
        pdf.drawRightString(right, top, "余额")
        pdf.line(left, top - 4, right, top - 4)
        return top - 16

    y = column_titles(y)
    summary_width = (right - 90 - 80) - (left + 105)
    for line in period.lines:
        if y < bottom:
            footer()
            pdf.showPage()
            page += 1
            y = column_titles(height - 50)
        pdf.setFont(_FONT_NAME, 9)
        pdf.drawString(left, y, _local(line.created_at))
        pdf.drawString(left + 105, y, _fit(_summary(line), summary_width, pdfmetrics))
        pdf.drawRightString(right - 90, y, yuan(line.amount, signed=True))
        pdf.drawRightString(right, y, yuan(line.balance_after))
        y -= 14
    footer()
    pdf.save()
    return buffer.getvalue()


def _fit(text: str, width: float, pdfmetrics) -> str:
    if pdfmetrics.stringWidth(text, _FONT_NAME, 9) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", _FONT_NAME, 9) > width:
        text = text[:-1]
    return text + "…"


def _register_font(font_path: Path) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if _FONT_NAME in pdfmetrics.getRegisteredFontNames():
            return
        if not font_path.is_file():
            raise errors.StatementFontMissing(str(font_path))
        # subfontIndex: .ttc files hold several faces; the first is the regular one.
        pdfmetrics.registerFont(TTFont(_FONT_NAME, str(font_path), subfontIndex=0))
