"""Normalise and tokenise mixed Chinese/English customer text."""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from pathlib import Path

__all__ = ["normalize", "tokenize", "analyze", "cjk_ratio", "is_cjk", "stem"]

_jieba = None
_jieba_lock = threading.Lock()
_synonyms = None
SYNONYMS_PATH = Path(__file__).with_name("data") / "synonyms.txt"

# Function words that carry no topic; kept short on purpose because a longer
# list starts eating words that do matter in a support question.
ZH_STOPWORDS = frozenset(
    "的 了 吗 呢 吧 啊 呀 哦 嘛 我 你 您 他 她 它 是 在 有 和 与 就 都 也 还 "
    "这 那 个 么 把 被 给 让 又 很 哪 啥 能 会 要 想 请 问 得 地 着 过 "
    "我们 你们 他们 我的 你的 请问 一下 怎么 怎样 如何 什么 可以 能否 能不能 "
    "是否 是不是 有没有 为什么 怎么办 哪里 哪儿 多少 一个 这个 那个 现在 已经".split()
)

EN_STOPWORDS = frozenset(
    "a an the is are am was were be been being do does did done i me my mine "
    "you your yours we our ours us it its he she they them their this that these "
    "those there here to of in on for with at by from into about as and or but if "
    "so than then can could would should will shall may might must how what when "
    "where which who whom why please pls hi hello hey just any some anything "
    "something have has had get got getting i'm im it's its don't dont not no "
    "yes ok okay want need know tell let like also still too very much many now "
    "right until till up say says said would'd i'd i'll i've you're".split()
)

# Characters whose bigrams are mostly noise ("的订", "单了").
_ZH_FUNCTION_CHARS = frozenset("的了吗呢吧啊呀哦嘛么是在我你您哪啥")

_TOKEN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:'[a-z]+)?")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[a-zA-Z]")


def _segmenter():
    """Load the Chinese segmenter once, without its start-up chatter."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.initialize()
                # Canonical synonym terms must survive segmentation whole.
                for canonical in _synonym_tables().zh_terms:
                    jieba.add_word(canonical)
                _jieba = jieba
    return _jieba


class _Synonyms:
    """Compiled synonym rules: English phrases, English words, Chinese phrases."""

    def __init__(self, path: Path) -> None:
        self.en_words: dict[str, str] = {}
        self.zh_terms: set[str] = set()
        en_phrases: dict[str, str] = {}
        zh_phrases: dict[str, str] = {}
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if ":" not in line:
                continue
            canonical, variants = (part.strip() for part in line.split(":", 1))
            for variant in (v.strip() for v in variants.split(",")):
                if not variant:
                    continue
                if _CJK_RE.search(canonical):
                    zh_phrases[variant] = canonical
                    self.zh_terms.add(canonical)
                elif " " in variant or "'" in variant:
                    en_phrases[normalize(variant)] = canonical
                else:
                    self.en_words[stem(variant)] = stem(canonical)
        self.en_phrase_re = _alternation(en_phrases, word_bounded=True)
        self.en_phrases = en_phrases
        self.zh_phrase_re = _alternation(zh_phrases, word_bounded=False)
        self.zh_phrases = zh_phrases

    def apply_en_phrases(self, text: str) -> str:
        """Replace multi-word English variants by their canonical word."""
        if self.en_phrase_re is None:
            return text
        return self.en_phrase_re.sub(lambda m: self.en_phrases[m.group(0)], text)

    def apply_zh(self, run: str) -> str:
        """Replace Chinese variants by their canonical term."""
        if self.zh_phrase_re is None:
            return run
        return self.zh_phrase_re.sub(lambda m: self.zh_phrases[m.group(0)], run)


def _alternation(phrases: dict[str, str], *, word_bounded: bool) -> re.Pattern | None:
    """Compile a longest-first alternation of phrases."""
    if not phrases:
        return None
    body = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])" if word_bounded else body)


def _synonym_tables() -> _Synonyms:
    """Load the synonym rules once."""
    global _synonyms
    if _synonyms is None:
        _synonyms = _Synonyms(SYNONYMS_PATH)
    return _synonyms


def is_cjk(char: str) -> bool:
    """Tell whether a single character is a CJK ideograph."""
    return bool(_CJK_RE.match(char))


# Everything but letters, digits (Unicode categories L and N: what str.isalnum() accepts) and the apostrophe.
_NOT_WORD = re.compile(r"[^\w']|_")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=256)
def normalize(text: str) -> str:
    """Lowercase, fold full-width forms to half-width and blank out punctuation.

    Cached: one decision normalises the same question for every intent it
    checks (a hand-off, a greeting, a pick ...). A few hundred entries are
    enough for that and bound the memory whatever the texts' length.
    """
    # NFKC folds full-width Latin letters, digits and punctuation to ASCII.
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", text)).strip()


def cjk_ratio(text: str) -> float:
    """Return the share of CJK ideographs among the letters of a text."""
    cjk = len(_CJK_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    if cjk + latin == 0:
        return 0.0
    return cjk / (cjk + latin)


def stem(word: str) -> str:
    """Strip common English plural, -ing and -ed endings."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) > 4:
        word = _undouble(word[:-2])
    # Drop a final silent "e" so "change", "changed" and "changing" meet.
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    # Fold British doubling so "cancelled" meets "canceled" and "cancel".
    if word.endswith("ll") and len(word) > 4:
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    """Undo consonant doubling left by a stripped suffix ("shipp" -> "ship")."""
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        return word[:-1]
    return word


def _chinese_terms(run: str) -> tuple[list[str], list[str]]:
    """Segment a run of Chinese characters into words and character bigrams."""
    seg = _segmenter()
    words: list[str] = []
    bigrams: list[str] = []
    for word in seg.lcut_for_search(run):
        if word in ZH_STOPWORDS:
            continue
        # A lone character ("到", "买") is weak evidence, like a bigram.
        (words if len(word) > 1 else bigrams).append(word)
    seen = set(words)
    # Bigrams catch what the segmenter splits differently between two
    # phrasings; they stay inside stretches between stopwords so "护怎"
    # ("保护" + "怎么") never becomes a term.
    for chunk in _content_chunks(seg.lcut(run)):
        for i in range(len(chunk) - 1):
            pair = chunk[i : i + 2]
            if pair in seen:
                continue
            if pair[0] in _ZH_FUNCTION_CHARS or pair[1] in _ZH_FUNCTION_CHARS:
                continue
            bigrams.append(pair)
    return words, bigrams


def _content_chunks(words: list[str]) -> list[str]:
    """Join consecutive non-stopword words into chunks."""
    chunks, current = [], ""
    for word in words:
        if word in ZH_STOPWORDS:
            if current:
                chunks.append(current)
            current = ""
        else:
            current += word
    if current:
        chunks.append(current)
    return chunks


def analyze(text: str) -> tuple[list[str], list[str]]:
    """Split a text into word terms and Chinese bigram terms, with repeats."""
    synonyms = _synonym_tables()
    words: list[str] = []
    bigrams: list[str] = []
    for match in _TOKEN_RE.finditer(synonyms.apply_en_phrases(normalize(text))):
        piece = match.group(0)
        if _CJK_RE.match(piece):
            zh_words, zh_bigrams = _chinese_terms(synonyms.apply_zh(piece))
            words.extend(zh_words)
            bigrams.extend(zh_bigrams)
        else:
            if piece in EN_STOPWORDS:
                continue
            # Contractions: "where's" is "where", "shop's" is "shop".
            word = piece.split("'", 1)[0]
            if word in EN_STOPWORDS:
                continue
            word = stem(word)
            words.append(synonyms.en_words.get(word, word))
    return words, bigrams


def tokenize(text: str) -> list[str]:
    """Return the index terms of a text (words, then bigrams), with repeats."""
    words, bigrams = analyze(text)
    return words + bigrams
