"""What a customer's message is, before what it asks: language, a request for a person, an escalation,
a greeting or thanks, a pick from a numbered list. Pure and table-tested."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from .text import normalize

__all__ = [
    "Language", "detect_language", "handoff_reason", "is_handoff_request", "is_greeting", "is_thanks",
    "pick", "looks_like_follow_up",
]

Language = Literal["zh", "en"]

# --- language -------------------------------------------------------------

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def detect_language(text: str, *, default: Language = "zh") -> Language:
    """Return "zh" or "en": Chinese when ideographs outnumber Latin words."""
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(normalize(text)))
    if cjk == 0 and words == 0:
        return default
    # Brand names ("WeChat Pay") are common in Chinese text, so compare
    # characters with whole words rather than letters with letters.
    return "zh" if cjk >= words else "en"


# --- a person, and why ------------------------------------------------------

# 人工 alone also means "made or checked by hand" (人工审核, 人工现做, 人工费): it asks
# for a person only after a verb of asking, before 客服 / 服务, or on its own, and
# never when a word of checking or making follows it ("转人工审核": sent for review by hand).
_BY_HAND = r"(?!审核|审批|复核|核实|核查|核验|核对|鉴定|检测|检查|现做|制作|费|成本)"
_HANDOFF_ZH = re.compile(
    r"(?:转|找|要|接|叫|请|呼叫|联系|切换|切|换|求|申请|来个|给我)(?:一下|一个|个|到)?人工" + _BY_HAND + "|"
    r"人工(?:客服|服务|坐席|座席|在吗|在不在|呢|吧|啊|！|!)|^(?:人工)+$|真人|活人|找客服|联系客服|叫客服|要客服|转客服|接客服|客服人员|客服小姐姐|客服小哥|"
    r"客服专员|找个人|找人工" + _BY_HAND + r"|(?:找|要|叫|转|接|联系|换)(?:一个|一位|个|位)客服|有没有人工|换个人|跟人说|和人说|人来回答|人来处理|"
    # Done with the bot: "不要机器人", "别让机器人回答".
    r"(?:不要|不想要|不想跟|不想和|不跟|不和|别用|别让|不用)(?:跟|和|你们的?)?(?:机器人|机器|智能客服|AI客服|ai客服)"
)
# "客服" alone asks for a person; inside a question ("客服几点上班") it does not.
_HANDOFF_ZH_ALONE = re.compile(r"^(?:有|找|要|我要|我找)?(?:客服)+(?:呢|吗|在吗|在不在|在哪|在哪里|有吗)?$")
_HANDOFF_NOUNS = (
    r"(?:a |an |the |your |some |real |live |actual |human )*"
    r"(?:human|humans|agent|agents|person|people|someone|somebody|anyone|representative|rep|"
    r"operator|staff|customer service|support team|support staff)"
)
_HANDOFF_EN = re.compile(
    r"\b(?:real person|live person|human being|live agent|human agent|live chat agent|"
    r"representative|operator)\b|"
    r"\b(?:talk|speak|chat|connect|transfer|put me through|get me|give me|"
    r"need|want|like|request|call)\b(?: \w+){0,4}? (?:to |with )?" + _HANDOFF_NOUNS + r"\b|"
    r"\bis there (?:a |an )?(?:human|person|real person|agent|someone)\b|"
    # Done with the bot: "stop the bot", "no more bot", and a bare "human" as the last clause ("useless. human").
    r"\b(?:stop|enough with|no more|skip|bypass|get rid of|turn off) (?:the |this |your |a )?(?:bot|robot|chatbot|"
    r"automated (?:reply|replies|answers|assistant))\b|"
    r"[,.;!?] ?(?:a |an )?(?:human|real person|live agent|agent)(?: please| pls| now)?[.!]*$"
)
# Said once or again and again ("agent agent agent", "人工！！人工！！").
_HANDOFF_EN_ALONE = re.compile(
    r"^(?:(?:please |pls )?(?:a |an )?(?:human|agent|real agent|customer service|support|person)"
    r"(?: please| pls| now)? ?)+$"
)
# A message that asks *about* the service ("人工客服几点上班", "do your agents speak
# English") is a question for the knowledge base, not a request to be handed over.
_ABOUT_SERVICE = re.compile(
    r"几点|什么时候|啥时候|多久|几天|几个工作日|时间|上班|下班|营业|工作日|周末|节假日|假期|电话|热线|号码|说英语|英文|英语|"
    r"\b(?:hours?|what time|when|open|opening|weekends?|holidays?|english|chinese|mandarin|cantonese|phone|"
    r"number|hotline|languages?)\b"
)
_SECURITY = re.compile(
    r"盗号|被(?:人)?盗|被(?:人)?黑|被骗|诈骗|骗子|盗刷|被刷|冒用|冒充|没有?授权|未授权|不是我(?:本人)?(?:下的单|付的|操作|登录|登陆|扣的|开通)|"
    r"陌生(?:的)?(?:订单|登录|登陆|设备)|异地登录|异常登录|密码被(?:改|修改|盗)|(?:账号|账户|帐号|帐户)被(?:别人|他人|陌生人|人)?(?:登|用|改|封|盗|绑)|不认识的(?:卡|银行卡|设备|手机|登录|登陆|订单|扣款)|"
    r"盗用|有人(?:一直|偷偷|总是|老是)?在?(?:用|登|拿|冒用|刷)(?:了)?我的[^，。,.!?！？ ]{0,4}?(?:账号|账户|卡|手机号|身份证|身份|证件|名字|名义|信息)|以我的名义|"
    r"(?<!是)不是我(?:本人)?(?:办|买|签|申请|注册|开)的|莫名(?:其妙)?(?:被)?扣(?:了)?(?:钱|款|费)|乱扣(?:钱|款|费)|"
    r"钱被(?:转走|盗|偷)|没(?:有)?(?:开|开通|订|订阅|办|办理|买|购买)过?(?:这个|什么)?(?:会员|自动续费|连续包月|包月|套餐|业务|增值服务)[^。]{0,12}(?:扣|收)|"
    r"\b(?:hack|hacked|hacker|stolen (?:account|card|credit card|identity|password)|(?:account|card) (?:was |got |has been )?"
    r"(?:stolen|hacked|compromised)|fraud|fraudulent|scam|scammed|phishing|identity theft|"
    r"unauthori[sz]ed|(?:didn'?t|did not|never) (?:make|made|authori[sz]e|authori[sz]ed|order|ordered|place|placed|buy|bought|sign(?:ed)? up|agree to|approve|approved)|"
    r"someone (?:else )?(?:has |had )?(?:logged|placed|used|ordered|bought|charged|accessed|changed|took out|taken out|"
    r"opened|signed up|applied)|"
    # "someone has been using my card" (not "parking for someone using a wheelchair": the tense is required).
    r"someone (?:else )?(?:has been|had been|is|was|keeps|kept|is still|keeps on) (?:logging|placing|using|ordering|"
    r"buying|charging|accessing|changing|taking out|opening|signing up|applying)|"
    r"in my name without|(?:\w+ed|taken|took|made|bought|done|set|sent|paid|sold|given|using|charging|logging) "
    r"(?:\w+ ){0,4}?without my (?:knowledge|consent|permission|authori[sz]ation)|"
    r"(?:password|email|phone number) (?:was |got |has been )?changed without|suspicious (?:login|sign-in|activity|charge)|"
    r"(?:charge|charges|payment|order) i (?:don'?t|do not|didn'?t|did not) recogni[sz]e)\b"
)
_COMPLAINT = re.compile(
    r"投诉|举报|曝光|消协|12315|差评|维权|态度(?:太|很|真|极)?差|垃圾服务|什么破|太坑|坑人|"
    r"起诉|告你们|报警|凭什么(?:扣|收|封)|找律师|工商局|市场监管|退一赔三|假一赔|欺诈消费者|"
    r"\b(?:complain|complaint|complaints|file a complaint|report you|terrible service|worst service|"
    r"unacceptable|ripped off|rip off|rip-off|disgusting|sue you|legal action|my lawyer|consumer protection|"
    r"trading standards|this is a joke|fed up)\b"
)
_MANAGER = re.compile(
    r"经理|主管|领导|负责人|上级|老板出来|叫你们老板|(?:叫|找|让|要|请)(?:你们|你家)?的?店长|能做主的|说了算的|"
    r"\b(?:manager|supervisor|someone in charge|person in charge|your boss|escalate|someone senior|higher up)\b"
)


# "does a real person check my return?": a question about who does the work, not a request
# (unless what the person would do is talk to the customer).
_ABOUT_A_PERSON = re.compile(
    r"^(?:does|do|did|will|would) (?:a |an |the |your |some |real |actual |human )*"
    r"(?:person|people|human|humans|agent|agents|staff|someone|somebody|employee|employees)"
    r" (?!help|talk|speak|chat|call|contact|answer|reply|respond|get back)\w+"
)

# "不用转人工，我就问一下…", "no need for a human, just tell me…": a person declined, not asked for.
_DECLINED = re.compile(
    r"(?:不用|不需要|不要|别|无需|用不着|没必要|不必)(?:给我|帮我)?(?:转|找|叫|接|换)?(?:到)?(?:人工|真人|客服)|"
    r"\b(?:no need (?:for|of|to (?:talk|speak|chat) (?:to|with))|(?:don'?t|do not|dont) (?:need|want)"
    r"(?: to (?:talk|speak|chat) (?:to|with))?|without) (?:a |an |the |any )?(?:human|agent|person|real person|"
    r"representative|operator|staff)\b"
)


# Asking to be called back by someone is asking for a person, even though 电话 / "phone" also
# make questions about the service ("客服电话多少").
_CALL_BACK = re.compile(
    r"(?:让|叫|请|安排|麻烦)[^，。,.？?]{0,10}(?:给我|跟我|和我)(?:回|打)(?:个|一个|一下)?电话|"
    r"(?:让|叫|请|安排|麻烦)[^，。,.？?]{0,10}(?:回电话?给我|打电话给我|联系我)|"
    r"\b(?:have|get|ask|need|want|can|could|would|like) " + _HANDOFF_NOUNS + r" (?:to )?(?:call|ring|phone) me\b|"
    r"\b(?:call|ring|phone) me back\b|\bgive me a (?:call|ring)\b"
)
_TAKE_OVER = re.compile(
    _HANDOFF_NOUNS + r" (?:to )?(?:take over|step in|jump in)\b|"
    # Put through to someone "on the phone" is still a request, though "phone" marks questions about the service.
    r"^(?:please |pls |can you |could you )?(?:put me through|transfer me|connect me|pass me)(?: \w+){0,2}? (?:to|with) "
    + _HANDOFF_NOUNS + r"\b"
)
# "客服人员能看到我的文件吗": a question about what staff can do, not a request (unless it is to
# help, call or talk to the customer).
_ABOUT_STAFF_ZH = re.compile(
    r"(?:客服|工作人员|员工|人工|真人)(?:人员)?(?:能|会|可以|能否|是否|能不能|会不会)"
    r"(?!帮|跟|和|给我|联系|回|打|接|处理一下|过来)[\u4e00-\u9fff]{1,16}(?:吗|么|嘛)[?？]?$"
)


def is_handoff_request(text: str) -> bool:
    """Tell whether the customer explicitly asks for a human (not a question about the service)."""
    norm = normalize(text)
    compact = norm.replace(" ", "")
    if _DECLINED.search(compact) or _DECLINED.search(norm) or _ABOUT_A_PERSON.match(norm):
        return False
    if _CALL_BACK.search(compact) or _CALL_BACK.search(norm) or _TAKE_OVER.search(norm):
        return True
    if _ABOUT_STAFF_ZH.search(compact):
        return False
    if _HANDOFF_ZH_ALONE.match(compact) or _HANDOFF_EN_ALONE.match(norm):
        return True
    asks = bool(_HANDOFF_ZH.search(compact) or _HANDOFF_EN.search(norm))
    return asks and not (_ABOUT_SERVICE.search(compact) or _ABOUT_SERVICE.search(norm))


def handoff_reason(text: str) -> str | None:
    """Return why this message needs a person at once (security, complaint, manager, customer_request)."""
    norm = normalize(text)
    compact = norm.replace(" ", "")
    if _SECURITY.search(compact) or _SECURITY.search(norm):
        return "security"
    if _MANAGER.search(compact) or _MANAGER.search(norm):
        return "manager"
    if _COMPLAINT.search(compact) or _COMPLAINT.search(norm):
        return "complaint"
    if is_handoff_request(text):
        return "customer_request"
    return None


# --- small talk ---------------------------------------------------------------

_GREETING = re.compile(
    r"你好|您好|你们好|大家好|哈喽|哈啰|嗨|喂|在吗|在不在|有人吗|有人在吗|早上好|上午好|中午好|下午好|晚上好|早安|"
    r"\b(?:hello|hi|hey|hiya|howdy|yo|greetings|good (?:morning|afternoon|evening|day)|anyone there|is anyone there|are you there)\b"
)
_THANKS = re.compile(
    r"谢谢|多谢|感谢|谢了|谢啦|辛苦了|"
    r"\b(?:thanks|thank you|thank u|thx|ty|cheers|much appreciated|appreciate it)\b"
)
# Words that may surround a greeting or a thanks without adding a question.
_FILLER = re.compile(
    r"客服|小姐姐|亲|啊|呀|哦|噢|呢|吗|啦|哈|嗯|好的|好|明白了|知道了|了|非常|太|你|您|了解|ok|"
    r"\b(?:okay|ok|there|team|everyone|all|guys|bot|so|very|much|a lot|lot|great|got it|perfect|"
    r"cool|nice|for|your|the|help|you|again|many|oh|ah|alright|sir|madam)\b"
)


# What a customer puts before or after a question without changing it ("你好，请问…", "hi, …, thanks").
_COURTESY_HEAD = re.compile(
    rf"^(?:(?:{_GREETING.pattern}|客服|亲|请问|想问一下|想问下|问一下|问下|麻烦问一下|麻烦问下|麻烦|打扰一下|"
    r"\b(?:please|excuse me|sorry|there|team|everyone)\b)\s*)+"
)
_TAIL_WINDOW = 64
_COURTESY_TAIL = re.compile(rf"(?:\s*(?:{_THANKS.pattern}|\bplease\b|谢谢你|谢谢您|[啦啊哈呀哦]))+$")


def without_courtesy(normalized: str) -> str:
    """A normalised question without the greetings, 请问 and thanks around it ("" if that is all it was)."""
    text = _COURTESY_HEAD.sub("", normalized, count=1)
    # A tail pattern searched over a whole long text retries from every position; courtesies are short.
    body, tail = text[:-_TAIL_WINDOW], text[-_TAIL_WINDOW:]
    return (body + _COURTESY_TAIL.sub("", tail, count=1)).strip()


def is_greeting(text: str) -> bool:
    """Tell whether the message is only a greeting."""
    return _only(text, _GREETING)


def is_thanks(text: str) -> bool:
    """Tell whether the message is only a thank-you."""
    return _only(text, _THANKS)


def _only(text: str, pattern: re.Pattern) -> bool:
    """Tell whether a text holds the pattern and nothing but filler besides."""
    norm = normalize(text)
    if not pattern.search(norm):
        return False
    rest = _FILLER.sub(" ", pattern.sub(" ", norm))
    return not rest.strip()


# --- answers to a numbered list ---------------------------------------------------

_ZH_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
_PICK_ZH = re.compile(r"^(?:我)?(?:选|要|是|看)?(?:第)?([一二两三四五1-5])(?:个|条|项|号|种)?(?:吧|啊|呀|的|问题)?$")
_PICK_DIGIT = re.compile(r"^(?:option |number |no |choice |#)?([1-5])(?:st|nd|rd|th)?$")
_EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2, "3rd": 3,
                "4th": 4, "5th": 5, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_PICK_EN = re.compile(
    r"^(?:i (?:want|mean|meant|choose|pick) |i'?d like |(?:it'?s |its )?)?(?:the |number |option )?"
    r"(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|one|two|three|four|five)(?: one| option| question| please)?$"
)
_LAST = re.compile(r"^(?:the )?last(?: one)?$|^最后(?:一个|一条|那个)$")


def pick(text: str, titles: Sequence[str]) -> int | None:
    """Return the 0-based choice a reply makes from a numbered list of titles, or None."""
    if not titles:
        return None
    norm = normalize(text).strip()
    compact = norm.replace(" ", "")
    number = None
    if m := _PICK_DIGIT.match(norm):
        number = int(m.group(1))
    elif m := _PICK_ZH.match(compact):
        number = _ZH_ORDINALS[m.group(1)]
    elif m := _PICK_EN.match(norm):
        number = _EN_ORDINALS[m.group(1)]
    elif _LAST.match(norm) or _LAST.match(compact):
        number = len(titles)
    if number is not None:
        return number - 1 if 1 <= number <= len(titles) else None
    # The title itself, copied or nearly ("退货流程", "the refund one"); a word two titles share picks neither.
    if len(compact) < 2:
        return None
    titles_compact = [normalize(title).replace(" ", "") for title in titles]
    exact = [i for i, t in enumerate(titles_compact) if compact == t]
    if exact:
        return exact[0]
    near = [i for i, t in enumerate(titles_compact) if len(compact) >= 4 and (compact in t or t in compact)]
    return near[0] if len(near) == 1 else None


# --- follow-ups --------------------------------------------------------------------

_FOLLOW_UP = re.compile(
    r"^(?:那|那么|那如果|还有|另外|如果是|要是|换成|那要是)|呢[?？]?$|"
    r"^(?:and|what about|how about|and for|and if|what if|also|same for|and to)\b"
)
SHORT_ZH = 10  # characters
SHORT_EN = 6  # words


def looks_like_follow_up(text: str) -> bool:
    """Tell whether a message leans on the previous question ("那运费呢", "and for Hong Kong?")."""
    norm = normalize(text).strip()
    if _FOLLOW_UP.search(norm):
        return True
    if detect_language(text) == "zh":
        return len(norm.replace(" ", "")) <= SHORT_ZH
    return len(norm.split()) <= SHORT_EN
