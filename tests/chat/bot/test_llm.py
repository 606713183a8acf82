"""The streaming LLM client against a real local HTTP server."""

import asyncio
import time

import pytest

from chat.bot.llm import LLMError, SSEParser, build_messages, coalesce, stream_chat
from chat.bot.retrieval import Article

pytestmark = pytest.mark.timeout(30)

TOKENS = ["您好", "，", "退款", "会在", "1-3", "个工作日", "到账", "。"]


async def collect(server, model="normal", **kwargs):
    """Stream a completion from the fake server and return the deltas."""
    options = dict(base_url=server.base_url, api_key="sk-test", model=model,
                   messages=[{"role": "user", "content": "退款多久到账"}],
                   connect_timeout=2.0, read_timeout=2.0, total_timeout=10.0)
    options.update(kwargs)
    return [d async for d in stream_chat(**options)]


@pytest.mark.asyncio
async def test_streams_deltas_and_sends_a_proper_request(llm_server):
    deltas = await collect(llm_server)
    assert deltas == TOKENS
    (request,) = llm_server.requests
    assert request.method == "POST" and request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["stream"] is True and request.body["model"] == "normal"
    assert request.body["messages"][-1] == {"role": "user", "content": "退款多久到账"}


@pytest.mark.asyncio
async def test_parses_crlf_comments_multiline_data_and_split_chunks(llm_server):
    assert "".join(await collect(llm_server, model="fake-tricky")) == "".join(TOKENS)


@pytest.mark.asyncio
async def test_accepts_a_non_streamed_json_answer(llm_server):
    assert "".join(await collect(llm_server, model="json")) == "".join(TOKENS)


@pytest.mark.asyncio
async def test_http_500_raises_http_error(llm_server):
    with pytest.raises(LLMError) as err:
        await collect(llm_server, model="http500")
    assert err.value.reason == "http_error"
    assert "500" in str(err.value)


@pytest.mark.asyncio
async def test_server_that_never_answers_times_out(llm_server):
    start = time.monotonic()
    with pytest.raises(LLMError) as err:
        await collect(llm_server, model="timeout", read_timeout=0.3)
    assert err.value.reason == "timeout"
    assert time.monotonic() - start < 2


@pytest.mark.asyncio
async def test_total_timeout_bounds_a_slow_stream(llm_server):
    llm_server.delay = 0.2
    received = []
    start = time.monotonic()
    with pytest.raises(LLMError) as err:
        async for delta in stream_chat(base_url=llm_server.base_url, api_key="k", model="slow",
                                       messages=[], read_timeout=2.0, total_timeout=0.5):
            received.append(delta)
    assert err.value.reason == "timeout"
    assert 0 < len(received) < len(TOKENS)
    assert time.monotonic() - start < 1.5


@pytest.mark.asyncio
async def test_connection_dropped_mid_stream_raises_after_partial_output(llm_server):
    received = []
    with pytest.raises(LLMError) as err:
        async for delta in stream_chat(base_url=llm_server.base_url, api_key="k", model="drop", messages=[]):
            received.append(delta)
    assert err.value.reason == "connection"
    assert received == TOKENS[:2]


@pytest.mark.asyncio
@pytest.mark.parametrize("mode", ["error-event", "error-data", "garbage", "no-done"])
async def test_bad_stream_content_raises_bad_response(llm_server, mode):
    with pytest.raises(LLMError) as err:
        await collect(llm_server, model=mode)
    assert err.value.reason == "bad_response"


@pytest.mark.asyncio
async def test_unreachable_server_raises_connection(unused_tcp_port):
    with pytest.raises(LLMError) as err:
        async for _ in stream_chat(base_url=f"http://127.0.0.1:{unused_tcp_port}/v1", api_key="k",
                                   model="m", messages=[], connect_timeout=1.0):
            pass
    assert err.value.reason == "connection"


@pytest.mark.asyncio
async def test_mode_can_come_from_a_model_suffix(llm_server):
    with pytest.raises(LLMError):
        await collect(llm_server, model="gpt-x-http500")


@pytest.mark.asyncio
async def test_cancelling_the_consumer_closes_the_http_response(llm_server):
    llm_server.delay = 0.2
    received = []

    async def consume():
        async for delta in stream_chat(base_url=llm_server.base_url, api_key="k", model="slow", messages=[]):
            received.append(delta)

    task = asyncio.create_task(consume())
    while not received:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The server notices the closed socket on its next write.
    assert await asyncio.to_thread(llm_server.wait_for_disconnects, 1, 3.0)


@pytest.mark.asyncio
async def test_cancelling_a_coalesced_consumer_closes_the_http_response(llm_server):
    llm_server.delay = 0.2
    received = []

    async def consume():
        stream = stream_chat(base_url=llm_server.base_url, api_key="k", model="slow", messages=[])
        async for batch in coalesce(stream, interval=0.05):
            received.append(batch)

    task = asyncio.create_task(consume())
    while not received:
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(llm_server.wait_for_disconnects, 1, 3.0)


# --- coalesce -------------------------------------------------------------------


async def timed(items):
    """Yield (delay, text) pairs after sleeping each delay."""
    for delay, text in items:
        await asyncio.sleep(delay)
        yield text


@pytest.mark.asyncio
async def test_coalesce_batches_fast_deltas():
    source = timed([(0.001, str(i)) for i in range(100)])
    stamps, batches = [], []
    async for batch in coalesce(source, interval=0.05):
        stamps.append(time.monotonic())
        batches.append(batch)
    assert "".join(batches) == "".join(str(i) for i in range(100))
    assert len(batches) < 20
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert all(gap >= 0.045 for gap in gaps[:-1])


@pytest.mark.asyncio
async def test_coalesce_passes_slow_deltas_through_promptly():
    source = timed([(0.08, "a"), (0.08, "b"), (0.08, "c")])
    start = time.monotonic()
    first_at = None
    batches = []
    async for batch in coalesce(source, interval=0.05):
        first_at = first_at or time.monotonic() - start
        batches.append(batch)
    assert batches == ["a", "b", "c"]
    assert first_at < 0.15


@pytest.mark.asyncio
async def test_coalesce_flushes_pending_text_during_a_pause():
    source = timed([(0, "a"), (0.001, "b"), (0.3, "c")])
    start = time.monotonic()
    arrivals = []
    async for batch in coalesce(source, interval=0.05):
        arrivals.append((batch, time.monotonic() - start))
    assert [b for b, _ in arrivals] == ["a", "b", "c"]
    assert arrivals[1][1] < 0.2  # "b" did not wait for "c"


@pytest.mark.asyncio
async def test_coalesce_propagates_errors():
    async def failing():
        yield "a"
        raise LLMError("connection", "reset")

    with pytest.raises(LLMError) as err:
        async for _ in coalesce(failing(), interval=0.01):
            pass
    assert err.value.reason == "connection"


# --- SSE parser ---------------------------------------------------------------------


def test_sse_parser_handles_every_line_ending_and_split():
    raw = b"data: a\r\n\r\n: comment\ndata: b\ndata: c\n\nevent: error\rdata: x\r\r"
    for size in (1, 2, 3, 7, len(raw)):
        parser = SSEParser()
        events = []
        for i in range(0, len(raw), size):
            events += parser.feed(raw[i : i + size])
        events += parser.close()
        assert [(e.event, e.data) for e in events] == [("message", "a"), ("message", "b\nc"), ("error", "x")]


def test_sse_parser_keeps_utf8_split_across_chunks():
    raw = "data: 退款\n\n".encode()
    parser = SSEParser()
    events = [e for b in raw for e in parser.feed(bytes([b]))]
    assert [e.data for e in events] == ["退款"]


def test_sse_parser_drops_an_unterminated_event():
    parser = SSEParser()
    assert parser.feed(b"data: partial") == []
    assert parser.close() == []


# --- prompts ----------------------------------------------------------------------


def test_build_messages_puts_articles_in_the_system_prompt_and_turns_in_order():
    arts = [Article(id="r", title="退款到账时间", questions=["退款多久到账？"], answer="1-3个工作日到账。", tags=[])]
    turns = [("customer", "你好"), ("bot", "您好！"), ("agent", "在的"), ("system", "ignored")]
    msgs = build_messages(question="退款多久到", articles=arts, recent_turns=turns, language="zh")
    assert msgs[0]["role"] == "system"
    assert "只能根据" in msgs[0]["content"] and "NO_ANSWER" in msgs[0]["content"] and "来源" in msgs[0]["content"]
    assert "退款到账时间" in msgs[0]["content"] and "1-3个工作日到账" in msgs[0]["content"]
    assert [m["role"] for m in msgs[1:]] == ["user", "assistant", "assistant", "user"]
    assert msgs[-1]["content"] == "退款多久到"


def test_build_messages_in_english_limits_context():
    arts = [Article(id=str(i), title=f"T{i}", questions=["q"], answer="a", tags=[]) for i in range(6)]
    turns = [("customer", f"turn {i}") for i in range(20)]
    msgs = build_messages(question="Where is it?", articles=arts, recent_turns=turns, language="en")
    assert "only from the" in msgs[0]["content"] and "NO_ANSWER" in msgs[0]["content"] and "(Source: …)" in msgs[0]["content"]
    assert "T2" in msgs[0]["content"] and "T3" not in msgs[0]["content"]
    assert len(msgs) == 1 + 6 + 1


@pytest.mark.asyncio
async def test_prompt_reaches_the_server(llm_server):
    arts = [Article(id="r", title="Refund timing", questions=["When is my refund?"], answer="1-3 days.", tags=[])]
    messages = build_messages(question="refund when?", articles=arts, language="en")
    await collect(llm_server, messages=messages)
    sent = llm_server.requests[0].body["messages"]
    assert sent[0]["role"] == "system" and "Refund timing" in sent[0]["content"]
    assert sent[-1] == {"role": "user", "content": "refund when?"}
