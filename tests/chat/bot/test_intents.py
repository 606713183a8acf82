"""The conversation intents: picks from a numbered list, follow-ups, and asking for a person as an intent."""

import pytest

from chat.bot.intents import handoff_reason, looks_like_follow_up, pick

TITLES = ["退款申请流程", "退款到账时间", "运费说明"]
EN_TITLES = ["How to request a refund", "When the refund reaches your account", "Shipping fees"]


@pytest.mark.parametrize("text,expected", [
    ("1", 0), ("2", 1), (" 3 ", 2), ("2.", 1), ("第2个", 1), ("选2", 1), ("第二个", 1), ("第三条", 2), ("第一个吧", 0),
    ("最后一个", 2), ("运费说明", 2), ("退款到账时间", 1),
    ("4", None), ("0", None), ("第五个", None), ("我要退款", None), ("好的", None), ("", None),
])
def test_pick_in_chinese(text, expected):
    assert pick(text, TITLES) == expected


@pytest.mark.parametrize("text,expected", [
    ("1", 0), ("#2", 1), ("the first one", 0), ("second", 1), ("the third", 2), ("the last one", 2),
    ("shipping fees", 2), ("Shipping Fees", 2),
    ("the fourth", None), ("hello", None), ("refund", None), ("12", None),
])
def test_pick_in_english(text, expected):
    assert pick(text, EN_TITLES) == expected


FIVE = ["Returns", "Refunds", "Shipping fees", "Delivery times", "Invoices"]


@pytest.mark.parametrize("text,expected", [
    ("4", 3), ("5", 4), ("the fourth", 3), ("fifth", 4), ("the 5th one", 4), ("five", 4), ("number four", 3),
    ("the last one", 4), ("6", None), ("the sixth", None),
])
def test_pick_from_a_list_of_five(text, expected):
    assert pick(text, FIVE) == expected


@pytest.mark.parametrize("text,expected", [("第四个", 3), ("选5", 4), ("第五条", 4), ("最后一个", 4), ("第六个", None)])
def test_pick_from_a_list_of_five_in_chinese(text, expected):
    assert pick(text, ["退货", "退款", "运费", "配送时效", "发票"]) == expected


def test_pick_with_no_list_picks_nothing():
    assert pick("1", []) is None


@pytest.mark.parametrize("text,expected", [
    ("那运费呢", True), ("香港呢？", True), ("那国际的呢", True), ("and for Hong Kong?", True), ("what about express?", True),
    ("how about Singapore", True),
    ("我的订单什么时候发货，已经等了三天了", False), ("How long does a refund take to reach my bank account?", False),
])
def test_follow_up_detection(text, expected):
    assert looks_like_follow_up(text) is expected


@pytest.mark.parametrize("text,reason", [
    ("转人工", "customer_request"), ("我要人工客服", "customer_request"), ("找个真人", "customer_request"),
    ("talk to a human", "customer_request"), ("can I speak to an agent please", "customer_request"),
    ("有人盗用我的会员卡刷脸进店", "security"), ("有人一直在用我的会员卡", "security"),
    ("someone has been using my membership without my permission", "security"),
    ("someone is using my account", "security"), ("they renewed it without my consent", "security"),
    ("a stranger keeps using my card without my permission", "security"),
    ("我的账号被盗了", "security"), ("有人盗刷我的卡", "security"), ("someone hacked my account", "security"),
    ("我要投诉你们", "complaint"), ("I want to file a complaint", "complaint"),
    ("叫你们经理来", "manager"), ("I want to speak to your manager", "manager"),
    ("我的密码被改了", "security"), ("有人用我的账号下单", "security"), ("莫名其妙被扣了钱", "security"),
    ("there's a charge I don't recognize", "security"), ("my password was changed without my permission", "security"),
    ("再不处理我就起诉你们", "complaint"), ("I'll take legal action", "complaint"),
    ("让你们店长来", "manager"), ("let me talk to someone senior", "manager"),
    # Unauthorised charges and stolen accounts, however they are put.
    ("我的号被人盗了", "security"), ("没开通过自动续费 怎么每个月扣我钱", "security"),
    ("there's a charge on my card I never authorized", "security"), ("an order I never placed", "security"),
    ("凭什么扣我运费", "complaint"), ("再不退钱我就报警", "complaint"),
    # Ordinary questions that share words with those.
    ("为什么扣了运费", None), ("没下单成功 钱扣了吗", None), ("没买运费险怎么还扣了运费", None),
    ("I never got the confirmation email", None), ("怎么修改密码", None), ("how do I change my password", None), ("店长推荐的是哪款", None),
    # 人工 as "by hand", and a person declined rather than asked for.
    ("这个是人工审核吗 要等几天", None), ("菜是人工现做的吗", None), ("安装的人工费怎么算", None),
    ("不用转人工，我就问一下运费", None), ("no need for a human, just tell me the opening hours", None),
    ("I don't need an agent, how do I reset my password", None),
    ("人工", "customer_request"), ("给我转人工", "customer_request"), ("不要机器人 要人工", "customer_request"),
    ("人工服务", "customer_request"), ("接人工", "customer_request"),
    # Sent for a check by hand is not a request; being done with the bot is.
    ("申请被转人工复核了 还要等吗", None), ("提交以后会转人工核实吗", None), ("资料要人工审批的话要几天", None),
    ("别让机器人回答了", "customer_request"), ("我不想跟机器人聊", "customer_request"),
    ("stop the bot please", "customer_request"), ("no more chatbot", "customer_request"),
    ("this is going nowhere. real person please", "customer_request"),
    ("我说的它不懂 帮我找一个客服", "customer_request"), ("换个客服吧", "customer_request"),
    ("does a human approve the refund or is it automatic", None), ("do your staff check the parcel before shipping", None),
    ("will a real person call me back", "customer_request"), ("does someone answer the chat at night", None),
    ("are you a bot?", None), ("does the bot work on weekends", None), ("is the human review done yet", None),
    # Being called back, or a person taking over the chat, is asking for a person, though 电话 / "phone"
    # also make questions about the service; being asked for a call back by a shop is not.
    ("麻烦安排个顾问跟我打个电话", "customer_request"), ("请你们的人回电话给我", "customer_request"),
    ("can an agent call me this afternoon", "customer_request"), ("please ring me back", "customer_request"),
    ("I'd like a real person to step in here", "customer_request"),
    ("can the courier call me when he arrives", None), ("can you text me the code instead of calling", None),
    ("客服电话是多少", None),
    # A person using something in an ordinary question is not someone using the customer's account.
    ("is there parking for someone using a wheelchair", None), ("can someone else use my guest pass", None),
    ("我的会员卡能给家人用吗", None),
    # Someone else's doing in the customer's name is a security report; asking who may do it is not.
    ("有人冒用我的身份证开了个账户", "security"), ("这份合同根本不是我签的", "security"),
    ("a loan was taken out in my name without me knowing", "security"),
    ("my subscription was upgraded without my permission", "security"),
    ("是不是我本人签的才有效", None), ("can my husband renew the policy without my consent", None),
    # What staff can do is a question; staff doing something for the customer is a request.
    ("你们的工作人员会看到我的聊天记录吗", None), ("人工客服能看到我的付款密码吗", None),
    # Said again and again; put through "on the phone"; an account taken over by someone else.
    ("客服！客服！", "customer_request"), ("人工人工人工", "customer_request"), ("agent!! agent!!", "customer_request"),
    ("connect me with a person over the phone", "customer_request"), ("what's the phone number for your agents", None),
    ("帐号被陌生人登了 还绑了别的手机", "security"), ("扣款记录里有张不认识的卡", "security"),
    ("账户被冻结了怎么解冻", None), ("人工智能客服是什么意思", None),
    # Questions about the service, not requests for it.
    ("人工客服几点上班", None), ("人工客服的工作时间是什么时候", None), ("what are your agents' working hours", None),
    ("退款多久到账", None), ("how do I get a refund", None),
])
def test_asking_for_a_person_is_an_intent_not_a_word(text, reason):
    assert handoff_reason(text) == reason
