"""Measure the bot's decision (encoder included) on the demo base and on 1,000 articles, and the model's memory.

    .venv/bin/python bench/bot_retrieval.py [ARTICLES]

Each question carries a fresh order number, so no cache of exact texts serves it:
the time covers embedding the question, ranking (meaning and words) and the decision.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncio  # noqa: E402

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csbot.settings")
django.setup()

from chat.bot.dialogue import respond  # noqa: E402
from chat.bot.embedding import CachingEncoder  # noqa: E402
from chat.bot.encoder import LocalEncoder  # noqa: E402
from chat.bot.knowledge import demo_articles  # noqa: E402
from chat.bot.retrieval import Article  # noqa: E402
from chat.bot.service import Knowledge  # noqa: E402
from chat.bot.vectors import calibrated, prepare  # noqa: E402

EVAL_PATH = ROOT / "tests" / "bot" / "eval_set.json"

EN_SUBJECTS = "order refund parcel invoice coupon password account membership points gift card warranty exchange return delivery address payment store voucher subscription battery charger screen laptop phone camera jacket shoes sofa lamp kettle blender".split()
EN_VERBS = "cancel change track apply check renew upgrade reset redeem claim transfer split merge confirm update pause resume extend verify report".split()
EN_CONTEXT = "abroad overnight weekend holiday express student business family corporate bulk trial monthly yearly international local remote urgent fragile oversized refurbished".split()
ZH_SUBJECTS = "订单 退款 包裹 发票 优惠券 密码 账号 会员 积分 礼品卡 保修 换货 退货 快递 地址 付款 门店 红包 订阅 电池 充电器 屏幕 电脑 手机 相机 外套 鞋子 沙发 台灯 水壶".split()
ZH_VERBS = "取消 修改 查询 申请 核对 续费 升级 重置 兑换 领取 转让 拆分 合并 确认 更新 暂停 恢复 延长 验证 投诉".split()
ZH_CONTEXT = "海外 夜间 周末 节假日 加急 学生 企业 家庭 团购 批量 试用 包月 包年 国际 本地 偏远 易碎 大件 翻新 预售".split()


def synthetic_articles(n: int, *, seed: int = 7) -> list[Article]:
    """Generate n plausible articles by combining support vocabulary."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        zh = i % 2 == 1
        subj, verbs, ctx = (ZH_SUBJECTS, ZH_VERBS, ZH_CONTEXT) if zh else (EN_SUBJECTS, EN_VERBS, EN_CONTEXT)
        s1, s2 = rng.sample(subj, 2)
        v1, v2 = rng.sample(verbs, 2)
        c1, c2 = rng.sample(ctx, 2)
        if zh:
            title = f"{c1}{s1}如何{v1}"
            questions = [f"{s1}怎么{v1}", f"{c1}的{s1}能{v2}吗", f"{v1}{s1}需要{s2}吗", f"{c2}{s1}{v1}流程"]
            answer = f"{c1}{s1}可以在App中{v1}，一般需要1-3天。如需{v2}{s2}，请在订单详情提交申请。{c2}情况另行通知。"
        else:
            title = f"How to {v1} a {c1} {s1}"
            questions = [f"How do I {v1} my {s1}?", f"Can I {v2} a {c1} {s1}?", f"{v1} {s1} with {s2}", f"{c2} {s1} {v1} steps"]
            answer = f"You can {v1} a {c1} {s1} in the app within 1-3 days. To {v2} the {s2}, open the order details. {c2.capitalize()} cases are handled separately."
        out.append(Article(id=f"syn-{i}", title=title, questions=questions, answer=answer, tags=[s1, c1]))
    return out


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * q), len(ordered) - 1)]


def decisions(knowledge: Knowledge, encoder, questions: list[str]) -> tuple[list[float], list[float], dict]:
    """Time one decision per question, the way a turn makes it: wall and CPU milliseconds, and the outcomes."""
    async def embed(text):
        return encoder.queries([text])[0]

    async def run():
        wall, cpu, kinds = [], [], {}
        for n, question in enumerate(questions):
            text = f"{question} 订单号{880000 + n}" if n % 2 else f"{question} order #{770000 + n}"
            c0, t0 = time.thread_time(), time.perf_counter()
            reply = await respond(text=text, knowledge=knowledge, embed=embed, previous=None, misses=0,
                                  llm_configured=False)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
            kinds[reply.decision.kind] = kinds.get(reply.decision.kind, 0) + 1
        return wall, cpu, kinds

    return asyncio.run(run())


def build(articles: list[Article], encoder) -> tuple[Knowledge, float, float]:
    t0 = time.perf_counter()
    prepared = prepare(articles, {}, encoder)
    embed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    calibration, _ = calibrated(prepared, encoder, None)
    return Knowledge(prepared.index, calibration), embed_s, time.perf_counter() - t0


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    items = json.loads(EVAL_PATH.read_text(encoding="utf-8"))["items"]
    questions = [item["question"] for item in items]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

    before = rss_mib()
    t0 = time.perf_counter()
    model = LocalEncoder(threads=1)
    model.queries(["预热 warm up"])
    loaded = rss_mib()
    print(f"encoder {model.name}: loaded in {time.perf_counter() - t0:.2f} s, resident memory +{loaded - before:.0f} MiB "
          f"(process {loaded:.0f} MiB)")

    for label, articles in (("demo", demo_articles()),
                            (f"{size} articles", demo_articles() + synthetic_articles(size - len(demo_articles())))):
        encoder = CachingEncoder(model)
        mem0 = rss_mib()
        knowledge, embed_s, calib_s = build(articles, encoder)
        c = knowledge.calibration
        print(f"{label}: embedded in {embed_s:.1f} s, calibrated in {calib_s:.1f} s, index +{rss_mib() - mem0:.0f} MiB; "
              f"floors: score {c.answer_score:.3f}, lead {c.answer_margin:.3f} ({c.covered}/{c.positives} held out)")
        decisions(knowledge, encoder, questions[:20])  # warm up
        wall, cpu, kinds = decisions(knowledge, encoder, questions * 2)
        print(f"  decision, encoder included: p50 {pct(wall, 0.5):.1f} ms, p99 {pct(wall, 0.99):.1f} ms, "
              f"max {max(wall):.1f} ms (CPU p50 {pct(cpu, 0.5):.1f} ms, p99 {pct(cpu, 0.99):.1f} ms; "
              f"{len(wall)} questions; outcomes {kinds})")


if __name__ == "__main__":
    main()
