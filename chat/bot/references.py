"""References a customer quotes (order, tracking, policy and phone numbers): kept for people, left out of the ranking.

"怎么重置密码 订单号000190000" asks exactly what "怎么重置密码" asks, but the
number and its label pull both signals away from the answer: the encoder
reads the digits as words and drifts towards the order articles, and the
lexical score is divided by a ceiling that the never-seen number raises. So
the ranking reads the question without its references:

- a reference quoted on its own ("…吗 订单号：123456789", "…? order #123456",
  "Order 123456789: …") goes whole, label included;
- a reference inside the sentence ("我的订单123456789还没到", "where is order
  123456789") loses only the number: its label is part of what is asked.

A reference is a run of letters and digits with at least five digits that
are at least half of it, so product models (RTX4090, iPhone 15), prices and
dates written with words stay. A text that is nothing but references is
ranked as written. The customer's message itself is stored and shown as sent.
"""

from __future__ import annotations

import re

__all__ = ["without_references"]

# Nouns that name a quoted number in any trade, not one knowledge base's words.
_ZH_LABELS = (
    "订单编号 订单号 订单 快递单号 快递单 物流单号 物流单 运单号 运单 单号 工单号 工单 保单号 保单 "
    "合同编号 合同号 合同 发票号 流水号 交易号 交易单号 编号 号码 卡号 账号 帐号 户号 会员号 客户号 "
    "手机号 手机 电话 尾号 序列号 车牌号 预订号 预约号 确认号"
).split()
_EN_NOUNS = (
    "order tracking ticket invoice case reference ref booking reservation confirmation policy claim "
    "account acct contract membership member customer serial transaction phone mobile waybill shipment parcel"
)
_EN_LABEL = (
    rf"(?<![A-Za-z])(?:(?:my|your|the|our)\s+)?(?:{'|'.join(_EN_NOUNS.split())})"
    r"(?:\s*(?:number|num|no\.?|id|code|#))?"
)
_LABEL = rf"(?:{'|'.join(sorted(_ZH_LABELS, key=len, reverse=True))}|{_EN_LABEL})"
_SEPARATOR = r"[\s:：#＃№.]*"
_CODE = r"[#＃№]?(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])[0-9A-Za-z０-９Ａ-Ｚａ-ｚ][0-9A-Za-z０-９Ａ-Ｚａ-ｚ-]*(?![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])"
_SPAN = re.compile(rf"(?P<label>{_LABEL}{_SEPARATOR})?(?P<code>{_CODE})", re.IGNORECASE)
# Where a clause starts or ends: sentence punctuation, brackets, or a space next to an ideograph.
_CLAUSE_END = re.compile(r"\s*(?:$|[,，.。!！?？;；:：、)）\]】])|\s+(?=[\u3400-\u9fff])")
_OPENERS = frozenset(",，.。!！?？;；:：、(（[【")
_EMPTY_BRACKETS = re.compile(r"[(（\[【]\s*[)）\]】]")
# An amount, a count or a date is part of the question ("退款100000元没到", "2026-12-03 下的单").
_QUANTITY_AFTER = re.compile(r"\s*(?:元|块|美元|人民币|円|%|％|件|个|天|月|年|rmb|yuan|usd|dollars?|days?|months?)", re.I)
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_MIN_DIGITS = 5


def _is_code(token: str) -> bool:
    if _DATE.fullmatch(token):
        return False
    chars = [c for c in token if c.isalnum()]
    digits = sum(c.isdigit() for c in chars)
    return digits >= _MIN_DIGITS and digits * 2 >= len(chars)


def _starts_clause(text: str, at: int, after: int) -> bool:
    """Whether `at` opens a clause: the start, after sentence punctuation, a reference that ends at `after`,
    or a space past an ideograph."""
    end = at
    while end > 0 and text[end - 1].isspace():
        end -= 1
    if end in (0, after) or text[end - 1] in _OPENERS:
        return True
    return end < at and "\u3400" <= text[end - 1] <= "\u9fff"


def _join(pieces: list[str]) -> str:
    """Join what is left, with a space only where two words would otherwise run together."""
    out = pieces[0]
    for piece in pieces[1:]:
        if out and piece and out[-1].isascii() and out[-1].isalnum() and piece[0].isascii() and piece[0].isalnum():
            out += " "
        out += piece
    return out


def without_references(text: str) -> str:
    """Return the text the ranking should read: the question without the numbers it quotes."""
    pieces: list[str] = []
    last, alone_end = 0, -1
    for match in _SPAN.finditer(text):
        if not _is_code(match.group("code")) or _QUANTITY_AFTER.match(text, match.end()):
            continue
        before = text[last : match.start()]
        alone = _starts_clause(text, match.start(), alone_end) and bool(_CLAUSE_END.match(text, match.end()))
        alone_end = match.end() if alone else -1
        kept = "" if alone or not match.group("label") else match.group("label").rstrip(" :：#＃№.")
        pieces.append(before + kept)
        last = match.end()
    if not pieces:
        return text
    pieces.append(text[last:])
    stripped = _EMPTY_BRACKETS.sub("", _join(pieces))
    stripped = re.sub(r"\s+", " ", stripped).strip(" ,，:：;；")
    return stripped if any(c.isalpha() for c in stripped) else text
