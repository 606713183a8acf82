"""Normalisation and tokenisation of Chinese and English text."""

import unicodedata

import pytest

from chat.bot.text import analyze, normalize, stem, tokenize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),
        ("Hello，World！", "hello world"),
        ("  退货？？  怎么办 ", "退货 怎么办"),
        ("WeChat　Pay", "wechat pay"),  # ideographic space
    ],
)
def test_normalize_folds_width_case_and_punctuation(raw, expected):
    assert normalize(raw) == expected


def test_normalize_keeps_exactly_letters_digits_and_the_apostrophe():
    # Every character of the Basic Multilingual Plane that NFKC and lowercasing leave alone:
    # kept when its Unicode category is a letter or a number (or it is the apostrophe), blanked otherwise.
    kept, blanked = [], []
    for code in range(0x10000):
        ch = chr(code)
        if 0xD800 <= code <= 0xDFFF or ch.isspace():
            continue
        if unicodedata.normalize("NFKC", f"a{ch}b").lower() != f"a{ch}b":  # folded, or composed with its neighbour
            continue
        (kept if ch == "'" or unicodedata.category(ch)[0] in "LN" else blanked).append(ch)
    assert all(normalize(f"a{ch}b") == f"a{ch}b" for ch in kept)
    assert all(normalize(f"a{ch}b") == "a b" for ch in blanked)
    assert len(kept) > 40_000 and "_" in blanked and "\x00" in blanked


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("refunds", "refund"),
        ("shipping", "ship"),
        ("shipped", "ship"),
        ("deliveries", "delivery"),
        ("changed", "chang"),
        ("change", "chang"),
        ("cancelled", "cancel"),
        ("canceled", "cancel"),
        ("address", "address"),
        ("status", "status"),
        ("id", "id"),
    ],
)
def test_stem_strips_light_suffixes(word, expected):
    assert stem(word) == expected


def test_english_drops_stopwords_and_stems():
    assert tokenize("How do I return the shipped items?") == ["return", "ship", "item"]


def test_english_contractions_do_not_leave_fragments():
    assert tokenize("Where's my parcel? I'd like it") == tokenize("package")


def test_chinese_segments_words_and_drops_stopwords():
    words, _ = analyze("我的订单怎么还没到")
    assert "订单" in words
    assert "我的" not in words and "怎么" not in words and "的" not in words


def test_chinese_adds_bigrams_within_content_stretches():
    words, bigrams = analyze("价格保护怎么申请")
    assert {"价格", "保护", "申请"} <= set(words)
    assert "格保" in bigrams
    assert "护怎" not in bigrams  # would cross into the stopword 怎么


def test_full_width_and_mixed_text():
    assert tokenize("微信ｐａｙ可以吗") == ["微信", "pay"]


def test_synonyms_fold_variants_in_both_languages():
    assert tokenize("I want my money back") == ["refund"]
    assert tokenize("退钱") == ["退款"]
    assert tokenize("parcel") == tokenize("package")


def test_empty_and_punctuation_only():
    assert tokenize("") == []
    assert tokenize("？！。…") == []
