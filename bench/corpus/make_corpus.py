"""Write frames.jsonl: customer-service sessions in Chinese and English, frame by frame.

Run from the repository root: python bench/corpus/make_corpus.py [--coalesce-ms 50] [--out PATH]
The output is deterministic (fixed seed), so the file only changes when this script does.
Each line is {"conn": n, "dir": "c2s" | "s2c", "frame": {...}}; `conn` numbers one
socket, so per-connection compressors (permessage-deflate) can be reset between them.

Bot answers are streamed only where the server streams them: LLM answers go out as
`stream` frames built by a simulated token stream (see `token_stream`) batched in
virtual time by the rule of `chat.bot.llm.coalesce` (see `coalesce_schedule`), then
as one stored `message`; knowledge-base answers go out whole as one `message`.
"""

import argparse
import json
import math
import random
import re
from pathlib import Path

SEED = 20260101
SESSIONS = 16
OUT = Path(__file__).with_name("frames.jsonl")

# The server's default CSBOT_STREAM_COALESCE_MS (csbot/settings.py).
COALESCE_MS = 50
# The simulated model: tokens per second drawn per stream, delay before the first token,
# and the spread of each gap between tokens (log-normal, mean 1/rate).
TOKENS_PER_S = (30.0, 100.0)
FIRST_TOKEN_MS = (250.0, 900.0)
GAP_SIGMA = 0.5
# What the bot sends before each answer (chat.bot.answering.TYPING).
BOT_TYPING = {"type": "typing", "sender": "bot"}

# Conversations by topic: customer lines, short bot answers (LLM, streamed) and long
# knowledge-base answers (sent whole).
ZH = {
    "agents": ["李娜", "王强", "陈晓雯", "客服-周"],
    "platforms": ["ios", "android", "devtools"],
    "topics": [
        {
            "ask": ["你好，我的订单显示已签收，但是我没有收到快递，怎么办？", "订单号是 DD20260104118823"],
            "bot": ["您好！很抱歉给您带来不便。我查询到订单 DD20260104118823 由中通快递配送，签收记录显示包裹放在了小区东门快递柜，取件码已通过短信发送到您尾号 6621 的手机。",
                    "如果快递柜里没有找到包裹，请您回复“未找到”，我会为您登记丢件调查，一般 24 小时内会有专人联系您。"],
            "follow": ["快递柜里没有，短信也没收到", "未找到"],
            "agent": ["您好，我是人工客服，已经看到您的情况了。我这边联系一下快递站点，请稍等两分钟。",
                      "已经和站点确认，包裹被误放到了西门的驿站，今天下午五点前会送到您家门口，给您添麻烦了。",
                      "另外为表歉意，已经给您的账户发放了一张 10 元无门槛优惠券，有效期 30 天。"],
        },
        {
            "ask": ["我要退货，衣服尺码不合适", "买的是 L 码，想换成 M 码，可以直接换吗？"],
            "bot": ["可以的。该商品支持 7 天无理由退换，您在“我的订单”里点击“申请售后”，选择“换货”，填写需要的尺码即可，换货运费由商家承担。",
                    "提交后快递员会在 1-2 天内上门取件，请保持吊牌完整、商品未洗涤。"],
            "follow": ["如果 M 码没货了怎么办？"],
            "agent": ["我帮您查了一下，M 码目前还有库存 36 件，可以放心申请换货。", "如果后续缺货，我们会直接为您办理退款，原路返回。"],
        },
        {
            "ask": ["我同一个订单被扣了两次钱", "支付宝显示两笔 299 元"],
            "bot": ["非常抱歉！重复扣款通常是支付时网络超时导致的，系统会在 24 小时内自动退回多扣的那一笔。",
                    "我已查到您的订单只有一笔有效支付，另一笔 299 元的退款已发起，预计 1-3 个工作日原路退回到您的支付宝。"],
            "follow": ["能不能快一点？这笔钱我急用"],
            "agent": ["我理解您的心情，已经为您提交了加急退款，财务会优先处理。", "退款流水号是 TK88213390，今天晚上十点前应该就能到账。"],
        },
        {
            "ask": ["怎么开发票？公司报销要用", "需要增值税专用发票"],
            "bot": ["您可以在订单详情页点击“申请发票”，选择“增值税专用发票”，填写公司名称、税号、开户行和账号，以及注册地址和电话。",
                    "专票需要审核，审核通过后 5 个工作日内随纸质发票寄出，电子普票则在 24 小时内发到您的邮箱。"],
            "follow": ["已经付款一个月了还能开吗？"],
            "agent": ["可以的，订单完成后 180 天内都可以申请发票。", "我看到您已经提交了申请，资料没有问题，我帮您催一下审核。"],
        },
        {
            "ask": ["扫地机器人不充电了，还在保修期吗？", "去年 11 月买的"],
            "bot": ["您的扫地机器人购买于 2025 年 11 月 12 日，整机保修一年，目前在保修期内。",
                    "请先尝试：1. 清洁充电座和机器底部的金属触点；2. 长按电源键 10 秒重启；3. 换一个插座试试。如果仍然不能充电，可以申请免费上门维修。"],
            "follow": ["都试过了，还是不行"],
            "agent": ["好的，我已经为您创建了维修工单 WX20260107-0931，工程师会在 48 小时内联系您预约上门时间。",
                      "维修期间如需备用机，也可以告诉我，我们可以免费借用。"],
        },
        {
            "ask": ["会员自动续费了，我不想续了", "能退吗？昨天刚扣的"],
            "bot": ["您可以在“我的-会员中心-自动续费管理”里关闭自动续费，关闭后下一期不再扣款。",
                    "对于已经扣费的本期会员，如果扣费后 48 小时内未使用会员权益，可以申请全额退款。"],
            "follow": ["我没用过，帮我退吧"],
            "agent": ["查到您本期会员还没有使用过任何权益，已经为您办理退款 25 元，并关闭了自动续费。"],
        },
    ],
    "long": [
        "关于退换货政策，详细说明如下：\n一、退货条件：自签收之日起 7 天内，商品未经使用、吊牌和包装完好、配件齐全，可以申请无理由退货；生鲜、定制类商品、贴身衣物和已拆封的数码软件除外。\n二、换货条件：自签收之日起 15 天内，如商品存在质量问题，可申请换同款同规格商品；如需更换尺码或颜色，需在 7 天内申请，且库存充足。",
        "三、运费说明：因质量问题或商家发错货导致的退换货，来回运费由商家承担；无理由退货的寄回运费由您承担，如果您购买了运费险，运费险会在退货完成后自动理赔到您的账户。\n四、退款时间：仓库签收退货并质检通过后，退款会在 1-3 个工作日内原路退回。银行卡支付的退款到账时间以银行为准，一般为 3-7 个工作日；信用卡退款可能需要等到下一个账单日才能看到。",
        "五、如何申请：打开“我的订单”，找到对应商品，点击“申请售后”，选择退货或换货，填写原因并上传照片（质量问题需要提供清晰的商品照片和包装照片），提交后系统会自动审核，大部分申请会在 30 分钟内通过。审核通过后，您可以选择快递员上门取件，也可以自行寄回到页面显示的退货地址。",
        "关于配送时效：江浙沪地区一般次日达，其他省会城市 2-3 天送达，偏远地区（新疆、西藏、青海等）可能需要 5-7 天。大促期间（如 618、双十一）订单量大，发货可能延迟 1-2 天，请您耐心等待。您可以在订单详情页随时查看物流轨迹，如果物流信息超过 72 小时没有更新，请联系我们为您核实。",
        "关于保修服务：家电类商品整机保修一年，主要部件（电机、压缩机）保修三年。保修期内非人为损坏的故障，我们提供免费维修或更换服务；人为损坏、进水、私自拆修的不在免费保修范围内，但可以提供付费维修。维修时请提供订单号或发票，工程师上门前会电话与您确认时间，上门服务不收取任何额外费用。",
        "关于发票：本平台支持电子普通发票和增值税专用发票。电子普通发票在订单完成后 24 小时内自动开具，并发送到您预留的邮箱，也可以在订单详情页下载。增值税专用发票需要提供完整的开票资料，经审核后邮寄纸质发票。如发票信息填写错误，可在开票后 30 天内申请换开一次。",
    ],
    "closing": ["好的，谢谢", "明白了，谢谢你", "没有其他问题了"],
    "rate_comment": ["客服很耐心，问题解决得很快", "还行吧，等得有点久", ""],
    "handoff_reason": ["我要人工", "机器人说不清楚，转人工客服", ""],
}

EN = {
    "agents": ["Sam Carter", "Priya Nair", "Tom Becker", "Support - Lucia"],
    "platforms": ["web", "ios", "android"],
    "topics": [
        {
            "ask": ["Hi, my order says delivered but I never got the package.", "Order number is A-20931."],
            "bot": ["Sorry about that! Order A-20931 was delivered by UPS yesterday at 2:41 PM and the driver left it at the front door, according to the tracking record.",
                    "Packages are sometimes left with a neighbour or at a side entrance. If you still can't find it, reply \"not found\" and I'll open a carrier investigation."],
            "follow": ["I checked everywhere, not found.", "not found"],
            "agent": ["Hi, I'm Sam from the support team. I've opened a claim with UPS and asked the driver for the delivery photo.",
                      "The photo shows a different house number, so this was a misdelivery. I've shipped a replacement with next-day delivery at no cost.",
                      "Your new tracking number is 1Z999AA10123456784. Is there anything else I can do for you?"],
        },
        {
            "ask": ["I was charged twice for the same order.", "Both charges are $129.99 on my Visa."],
            "bot": ["I'm sorry for the trouble. A duplicate charge usually happens when a payment times out and is retried; the extra authorization is released automatically within 24 hours.",
                    "I can see only one captured payment for your order, so the second $129.99 is a pending authorization that your bank will drop within 3-5 business days."],
            "follow": ["Can you speed it up? It's holding up my credit limit."],
            "agent": ["I've asked our payments team to void the authorization right away; reference VD-55102.", "Most banks reflect a void within one business day."],
        },
        {
            "ask": ["How do I change the shipping address on my order?", "I moved last week and forgot to update it."],
            "bot": ["If your order hasn't shipped yet you can change the address under Orders > Order details > Edit shipping address.",
                    "Your order A-21876 is still being packed, so the address can be changed for the next 2 hours."],
            "follow": ["The edit button is greyed out."],
            "agent": ["The button is disabled because the order entered the picking stage. I've updated the address for you manually: 48 Harbour Street, Apt 5B."],
        },
        {
            "ask": ["My robot vacuum stopped charging. Is it still under warranty?", "Bought it last November."],
            "bot": ["Your RoboClean S7 was purchased on November 12, 2025 and has a one-year limited warranty, so it's covered.",
                    "Please try this first: clean the metal contacts on the dock and on the robot, hold the power button for 10 seconds to restart, and try a different outlet."],
            "follow": ["Tried all of that, still not charging."],
            "agent": ["Thanks for trying those steps. I've created repair ticket RP-30418 and emailed you a prepaid shipping label.",
                      "Once we receive the unit we'll repair or replace it within 5 business days."],
        },
        {
            "ask": ["I can't log in, it says my account is locked.", "I tried the password reset but never got the email."],
            "bot": ["For your security, accounts are locked for 30 minutes after five failed sign-in attempts.",
                    "Reset emails come from no-reply@csbot-shop.com and can take a few minutes; please check your spam or promotions folder."],
            "follow": ["Still nothing after 20 minutes."],
            "agent": ["I see the reset emails bounced because of a typo in the address on file. I've corrected it and unlocked your account; a new reset link is on its way."],
        },
    ],
    "long": [
        "Here is a summary of our return and refund policy.\n\n1. Returns: You can return most items within 30 days of delivery for a full refund, as long as they are unused and in the original packaging with all accessories. Personalised items, perishable goods, gift cards and opened software are not returnable.\n\n2. Exchanges: If you need a different size or colour, request an exchange within 30 days; we ship the replacement as soon as the return is scanned by the carrier, so you don't have to wait for it to reach our warehouse.",
        "3. Shipping costs: Returns because of a defect or a mistake on our side are free, and we email you a prepaid label. For other returns a flat $6.95 return fee is deducted from the refund, unless you are a Plus member, in which case returns are always free.\n\n4. Refund timing: Once the warehouse inspects your return, refunds are issued to the original payment method within 1-3 business days. Card refunds usually show up within 5-10 business days depending on your bank; PayPal refunds are normally instant.",
        "5. How to start a return: Go to Orders, choose the item, and select Return or exchange. Tell us the reason and, for damaged or defective items, add a photo of the product and the packaging. Most requests are approved automatically within 30 minutes. You can then print the label at home, show the QR code at any drop-off point, or book a free pickup for items over 20 kg.",
        "About delivery times: Standard shipping takes 3-5 business days within the continental US, and expedited shipping takes 2 business days. Orders placed before 1 PM Eastern ship the same day. During peak seasons such as Black Friday and the holidays, processing can take an extra 1-2 days. You can follow your parcel at any time from the order page; if tracking hasn't updated for more than 72 hours, contact us and we'll open a trace with the carrier.",
        "About the warranty: Home appliances come with a one-year limited warranty covering defects in materials and workmanship, and motors are covered for three years. The warranty does not cover accidental damage, water damage, normal wear of brushes and filters, or units opened by an unauthorised repair shop. To claim, keep your order number or receipt handy; we will either repair the unit, replace it, or refund the purchase price if neither is possible.",
    ],
    "closing": ["Great, thanks!", "That's all, thank you.", "Perfect, appreciate the help."],
    "rate_comment": ["Quick and friendly, thanks!", "Took a while to reach a person.", ""],
    "handoff_reason": ["I want to talk to a human", "agent please", ""],
}


class Session:
    """One socket: frames in order, with the conversation state a server would keep."""

    def __init__(self, conn, rng, lang, start_ts, msg_id, coalesce_ms=COALESCE_MS):
        self.conn, self.rng, self.lang = conn, rng, lang
        self.coalesce_ms = coalesce_ms
        self.streams = []  # per streamed answer: the ms (from the request) each stream frame went out
        self.ts = start_ts
        self.msg_id = msg_id
        self.conversation_id = str(10200 + conn * 37)
        self.seq = 0
        self.sent = 0
        self.log = []
        self.stored = []

    def tick(self, low=200, high=4000):
        self.ts += self.rng.randint(low, high)
        return self.ts

    def emit(self, direction, frame):
        self.log.append({"conn": self.conn, "dir": direction, "frame": frame})

    def stored_message(self, sender, text, *, sender_name=None, client_msg_id=None, stream_id=None):
        self.seq += 1
        self.msg_id += 1
        message = {"msg_id": str(self.msg_id), "conversation_id": self.conversation_id, "seq": self.seq,
                   "sender": sender, "text": text, "ts": self.tick(5, 40)}
        if sender_name:
            message["sender_name"] = sender_name
        if client_msg_id:
            message["client_msg_id"] = client_msg_id
        if stream_id:
            message["stream_id"] = stream_id
        self.stored.append(message)
        return message

    def customer_says(self, text):
        self.sent += 1
        client_msg_id = f"c-{self.tick()}-{self.sent}" if self.lang is ZH else f"web:{self.conn:04x}.{self.sent}"
        self.emit("c2s", {"type": "message", "client_msg_id": client_msg_id, "text": text})
        message = self.stored_message("customer", text, client_msg_id=client_msg_id)
        self.emit("s2c", {"type": "ack", "client_msg_id": client_msg_id, "msg_id": message["msg_id"],
                          "conversation_id": self.conversation_id, "seq": message["seq"], "ts": message["ts"]})

    def bot_says(self, text, *, llm=True):
        """Answer a turn: `typing`, then an LLM answer's stream, then the stored message.

        A knowledge-base answer (llm=False) is sent whole, without stream frames or stream_id.
        Bot messages carry no sender_name: the server stores them with an empty one.
        """
        self.emit("s2c", BOT_TYPING)
        stream_id = None
        if llm:
            stream_id = new_stream_id(self.rng)
            batches = coalesce_schedule(token_stream(self.rng, text), self.coalesce_ms)
            for index, (_, delta) in enumerate(batches):
                self.emit("s2c", {"type": "stream", "conversation_id": self.conversation_id,
                                  "stream_id": stream_id, "index": index, "delta": delta})
            self.streams.append([sent for sent, _ in batches])
            self.ts += math.ceil(batches[-1][0])
        message = self.stored_message("bot", text, stream_id=stream_id)
        self.emit("s2c", {"type": "message", **message})

    def agent_says(self, agent, text):
        self.emit("s2c", {"type": "typing", "sender": "agent"})
        message = self.stored_message("agent", text, sender_name=agent)
        self.emit("s2c", {"type": "message", **message})

    def status(self, status, **extra):
        self.emit("s2c", {"type": "status", "conversation_id": self.conversation_id, "status": status, **extra})

    def history_page(self, before_seq, limit):
        self.emit("c2s", {"type": "history", "before_seq": before_seq, "limit": limit})
        page = [m for m in self.stored if m["seq"] < before_seq][-limit:]
        self.emit("s2c", {"type": "history", "messages": [{"type": "message", **m} for m in page]})

    def heartbeat(self):
        ts = self.tick(9000, 10000)
        self.emit("c2s", {"type": "ping", "ts": ts})
        self.emit("s2c", {"type": "pong", "ts": ts})


def new_stream_id(rng):
    """Return a stream id as the server makes one: uuid4().hex, 32 hex digits."""
    return f"{rng.getrandbits(128):032x}"


# Pre-tokens in the style of byte-level BPE models: words with their leading space,
# digit groups of up to three, CJK runs, single punctuation marks, newlines.
PRE_TOKENS = re.compile(r"[\u3400-\u9fff]+| ?[A-Za-z]+|'[a-z]+| ?\d{1,3}|\n+| ?[^\sA-Za-z\d\u3400-\u9fff]| +")


def tokenize(rng, text):
    """Split text into model tokens: English word pieces of about 4 characters counting the
    leading space, Chinese 1-2 characters per token, punctuation on its own."""
    tokens = []
    for match in PRE_TOKENS.finditer(text):
        piece = match.group()
        if "\u3400" <= piece[0] <= "\u9fff":
            while piece:
                size = 1 if len(piece) == 1 or rng.random() < 0.5 else 2
                tokens.append(piece[:size])
                piece = piece[size:]
        elif piece.strip().isalpha() and len(piece) > 6:
            # Frequent words are whole tokens; rarer and longer ones are a few pieces.
            if len(piece) <= 8 and rng.random() < 0.5:
                tokens.append(piece)
                continue
            while len(piece) > 6:
                size = rng.choice((3, 4, 4, 5))
                tokens.append(piece[:size])
                piece = piece[size:]
            tokens.append(piece)
        else:
            tokens.append(piece)
    assert "".join(tokens) == text
    return tokens


def token_stream(rng, text):
    """Return [(ms after the request, token)]: a hosted model streaming `text`.

    Each stream draws its own rate (TOKENS_PER_S) and first-token delay; the gaps
    between tokens vary log-normally around 1/rate.
    """
    tokens = tokenize(rng, text)
    mean_gap = 1000.0 / rng.uniform(*TOKENS_PER_S)
    at = rng.uniform(*FIRST_TOKEN_MS)
    arrivals = []
    for token in tokens:
        arrivals.append((at, token))
        at += mean_gap * rng.lognormvariate(-GAP_SIGMA**2 / 2, GAP_SIGMA)
    return arrivals


def coalesce_schedule(arrivals, interval_ms):
    """Batch timed deltas by the rule of chat.bot.llm.coalesce, in virtual time.

    A delta arriving at least `interval_ms` after the last batch went out is sent at
    once; otherwise it waits, with whatever arrives meanwhile, until the interval is
    up. The end of the stream (at the last token) flushes what is pending at once.
    Returns [(ms sent, delta)].
    """
    batches, pending, last_sent, due = [], [], -math.inf, 0.0
    for at, token in arrivals:
        if pending and at >= due:
            batches.append((due, "".join(pending)))
            pending, last_sent = [], due
        if not pending:
            due = max(at, last_sent + interval_ms)
        pending.append(token)
        if due <= at:
            batches.append((at, "".join(pending)))
            pending, last_sent = [], at
    if pending:
        batches.append((arrivals[-1][0], "".join(pending)))
    return batches


def long_answer(rng, lang):
    """Return a knowledge-base answer of 1-4 KB built from consecutive policy paragraphs."""
    paragraphs, target = lang["long"], rng.randint(1024, 4000)
    first = rng.randrange(len(paragraphs))
    chosen = []
    for step in range(len(paragraphs)):
        paragraph = paragraphs[(first + step) % len(paragraphs)]
        if chosen and len("\n\n".join(chosen + [paragraph]).encode()) > 4000:
            break
        chosen.append(paragraph)
        if len("\n\n".join(chosen).encode()) >= target:
            break
    return "\n\n".join(chosen)


def run_session(session):
    rng, lang = session.rng, session.lang
    returning = rng.random() < 0.4
    if returning:
        # A returning customer: earlier turns are already stored and come back as the latest page.
        for topic in rng.sample(lang["topics"], 2):
            for ask, answer in zip(topic["ask"], topic["bot"]):
                session.stored_message("customer", ask, client_msg_id=f"c-{session.tick()}-0")
                session.stored_message("bot", answer, stream_id=new_stream_id(rng))
    hello = {"type": "hello", "device_id": f"dev-{rng.getrandbits(48):012x}", "platform": rng.choice(lang["platforms"]),
             "app_version": rng.choice(["3.12.0", "3.11.4", "web-2026.01"]), "compress": ["snappy"]}
    resume = returning and rng.random() < 0.5
    if resume:
        hello["resume"] = {"conversation_id": session.conversation_id, "last_seq": max(session.seq - 3, 0)}
    session.emit("c2s", hello)
    session.emit("s2c", {"type": "welcome", "conversation": {"id": session.conversation_id, "status": "bot"},
                         "last_seq": session.seq, "heartbeat_s": 10, "max_frame_bytes": 65536,
                         "compress": ["snappy"], "recovered": resume, "server_time": session.tick()})
    # The replay (or, without resume, the latest page) goes out as message frames.
    replay = session.stored[-3:] if resume else session.stored[-50:]
    for message in replay:
        session.emit("s2c", {"type": "message", **message})
    # The server sends no status after synced unless the conversation is queued.
    session.emit("s2c", {"type": "synced", "last_seq": session.seq})
    if resume and rng.random() < 0.7:
        # Scrolling up past the replay fetches an older page.
        session.history_page(replay[0]["seq"], 20)

    topic = rng.choice(lang["topics"])
    for ask, answer in zip(topic["ask"], topic["bot"]):
        session.customer_says(ask)
        session.bot_says(answer)
        session.emit("c2s", {"type": "read", "seq": session.seq})
    session.heartbeat()
    if rng.random() < 0.8:
        session.customer_says("Is there a full policy I can read?" if lang is EN else "有没有详细的规则说明？")
        session.bot_says(long_answer(rng, lang), llm=False)  # a knowledge-base article, never streamed
        session.heartbeat()
    for line in topic["follow"]:
        session.customer_says(line)
    if rng.random() < 0.75:
        handoff(session, topic)
    else:
        session.bot_says(topic["bot"][-1])
        session.customer_says(rng.choice(lang["closing"]))
    if rng.random() < 0.3:
        session.history_page(max(session.seq - 10, 1), 20)


def handoff(session, topic):
    rng, lang = session.rng, session.lang
    session.emit("c2s", {"type": "handoff", "reason": rng.choice(lang["handoff_reason"])})
    for position in range(rng.randint(1, 4), 0, -1):
        session.status("queued", queue_position=position)
        session.heartbeat()
    agent = rng.choice(lang["agents"])
    session.status("agent", agent_name=agent)
    session.emit("c2s", {"type": "typing"})
    for line in topic["agent"]:
        session.agent_says(agent, line)
        session.emit("c2s", {"type": "read", "seq": session.seq})
    session.customer_says(rng.choice(lang["closing"]))
    session.emit("s2c", {"type": "receipt", "seq": session.seq})
    session.status("closed")
    score = rng.choice([5, 5, 4, 3])
    rate = {"type": "rate", "score": score}
    comment = rng.choice(lang["rate_comment"])
    if comment:
        rate["comment"] = comment
    session.emit("c2s", rate)
    session.emit("s2c", {"type": "rated", "conversation_id": session.conversation_id, "score": score})


def build(coalesce_ms=COALESCE_MS):
    """Return (lines, streams): the corpus, and for each streamed answer the times (ms
    from its request) at which its stream frames went out."""
    rng = random.Random(SEED)
    ts, msg_id, lines, streams = 1_767_225_600_000, 880_000, [], []
    for conn in range(SESSIONS):
        session = Session(conn, random.Random(rng.getrandbits(32)), ZH if conn % 2 == 0 else EN, ts, msg_id,
                          coalesce_ms)
        run_session(session)
        lines.extend(session.log)
        streams.extend(session.streams)
        ts, msg_id = session.ts + 60_000, session.msg_id + 1000
    return lines, streams


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coalesce-ms", type=int, default=COALESCE_MS,
                        help=f"stream coalescing interval (default {COALESCE_MS}, the server's default)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"output file (default {OUT.name})")
    args = parser.parse_args()
    lines, _ = build(args.coalesce_ms)
    with args.out.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {len(lines)} frames to {args.out.name}")


if __name__ == "__main__":
    main()
