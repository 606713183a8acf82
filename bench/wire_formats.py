"""Compare wire formats over the frame corpus: bytes on the wire and codec time per frame.

Run from the repository root:  python bench/wire_formats.py [--runs 15]
Sizes are WebSocket message payloads as Wire produces them (text frames for plain
JSON, one flags byte plus the body for binary frames), without WebSocket headers.
The stream-interval table regenerates the corpus in memory with bench/corpus/make_corpus.py.
"""

import argparse
import json
import statistics
import sys
import time
import zlib
from pathlib import Path

import cramjam

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpus import make_corpus  # noqa: E402
from chat.protocol.codecs import JsonCodec  # noqa: E402
from chat.protocol.proto_codec import ProtoCodec  # noqa: E402
from chat.protocol.wire import Wire  # noqa: E402

CORPUS = ROOT / "bench" / "corpus" / "frames.jsonl"
THRESHOLD = 1024
MAX_FRAME_BYTES = 65536
WIRE_FORMATS = [
    ("JSON", JsonCodec, False),
    ("JSON + Snappy", JsonCodec, True),
    ("protobuf", ProtoCodec, False),
    ("protobuf + Snappy", ProtoCodec, True),
]
DEFLATE_FORMATS = [("JSON + permessage-deflate", JsonCodec), ("protobuf + permessage-deflate", ProtoCodec)]
SYNC_TAIL = b"\x00\x00\xff\xff"


def load_corpus():
    with CORPUS.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def make_wire(codec_class, snappy, threshold=THRESHOLD):
    wire = Wire(codec_class(), max_frame_bytes=MAX_FRAME_BYTES, compress_min_bytes=threshold)
    wire.peer_snappy = snappy
    return wire


def payload_size(kind, payload):
    return len(payload.encode()) if kind == "text" else len(payload)


def wire_sizes(corpus, codec_class, snappy):
    wire = make_wire(codec_class, snappy)
    return [payload_size(*wire.encode(line["frame"])) for line in corpus]


def threshold_table(corpus):
    """Show that lowering compress_min_bytes buys almost nothing: small frames do not shrink."""
    baseline = sum(wire_sizes(corpus, JsonCodec, False))
    rows = ["| compress_min_bytes | protobuf + Snappy | % of JSON |", "| --- | --- | --- |"]
    for threshold in (0, 128, 512, 1024, 4096):
        wire = make_wire(ProtoCodec, True, threshold)
        total = sum(payload_size(*wire.encode(line["frame"])) for line in corpus)
        rows.append(f"| {threshold} | {total:,} | {100 * total / baseline:.1f}% |")
    return "\n".join(rows)


def interval_table():
    """Regenerate the corpus at each coalescing interval: stream frames, their size and pace."""
    rows = [
        "| interval ms | stream frames | average delta (chars) | updates/s | JSON | protobuf + Snappy | % of JSON "
        f"| % of JSON at {make_corpus.COALESCE_MS} ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    default = sum(wire_sizes(make_corpus.build()[0], JsonCodec, False))
    for interval in (25, 50, 100, 150, 200):
        lines, streams = make_corpus.build(interval)
        deltas = [line["frame"]["delta"] for line in lines if line["frame"]["type"] == "stream"]
        # Updates per second while a stream is running: gaps between frames over the time they span.
        span_s = sum(sent[-1] - sent[0] for sent in streams) / 1000
        updates = sum(len(sent) - 1 for sent in streams) / span_s
        baseline = sum(wire_sizes(lines, JsonCodec, False))
        total = sum(wire_sizes(lines, ProtoCodec, True))
        rows.append(f"| {interval} | {len(deltas)} | {sum(map(len, deltas)) / len(deltas):.1f} | {updates:.1f} | "
                    f"{baseline:,} | {total:,} | {100 * total / baseline:.1f}% | {100 * total / default:.1f}% |")
    return "\n".join(rows)


def with_stream_ids(corpus, length):
    """Return the corpus with every stream_id cut to its first `length` hex digits."""
    def cut(frame):
        frame = {**frame, "stream_id": frame["stream_id"][:length]} if "stream_id" in frame else frame
        if "messages" in frame:
            frame = {**frame, "messages": [cut(message) for message in frame["messages"]]}
        return frame
    return [{**line, "frame": cut(line["frame"])} for line in corpus]


def stream_id_table(corpus):
    """Show what the 32-digit stream ids (uuid4().hex) cost compared with shorter ones."""
    rows = ["| stream_id length | JSON | protobuf + Snappy | % of JSON | protobuf stream deltas |",
            "| --- | --- | --- | --- | --- |"]
    for length in (32, 12, 8):
        lines = with_stream_ids(corpus, length)
        baseline = sum(wire_sizes(lines, JsonCodec, False))
        sizes = wire_sizes(lines, ProtoCodec, True)
        deltas = [size for line, size in zip(lines, sizes) if line["frame"]["type"] == "stream"]
        rows.append(f"| {length} | {baseline:,} | {sum(sizes):,} | {100 * sum(sizes) / baseline:.1f}% | "
                    f"{sum(deltas):,} ({sum(deltas) / len(deltas):.0f} B/frame) |")
    return "\n".join(rows)


def text_table(corpus):
    """Compress each long answer on its own: the floor for any per-frame compressor.

    Snappy and raw deflate on the answer text alone (% of its UTF-8 bytes), and deflate
    on the whole protobuf frame, flags byte included, as permessage-deflate without
    context takeover would send it (% of the JSON frames, like the targets).
    """
    codec, json_codec = ProtoCodec(), JsonCodec()
    frames = [line["frame"] for line in corpus]
    answers = [f for f in frames if f["type"] == "message" and len(f["text"].encode()) >= THRESHOLD]
    rows = ["| answers >= 1 KB (count) | text, UTF-8 bytes | text, Snappy | text, deflate | JSON frames "
            "| protobuf frames, deflate each |", "| --- | --- | --- | --- | --- | --- |"]
    for label, chosen in (("Chinese", [f for f in answers if is_chinese(f["text"])]),
                          ("English", [f for f in answers if not is_chinese(f["text"])]), ("all", answers)):
        texts = [f["text"].encode() for f in chosen]
        raw = sum(map(len, texts))
        snappy = sum(len(cramjam.snappy.compress_raw(t)) for t in texts)
        deflate = sum(len(zlib.compress(t, wbits=-15)) for t in texts)
        json_bytes = sum(len(json_codec.encode(f)) for f in chosen)
        framed = sum(len(zlib.compress(deflate_body(codec, f), wbits=-15)) for f in chosen)
        cells = [f"{size:,} ({100 * size / base:.0f}%)" for size, base in ((snappy, raw), (deflate, raw))]
        rows.append(f"| {label} ({len(chosen)}) | {raw:,} | " + " | ".join(cells) +
                    f" | {json_bytes:,} | {framed:,} ({100 * framed / json_bytes:.0f}%) |")
    return "\n".join(rows)


def deflate_body(codec, frame):
    body = codec.encode(frame)
    return body if not codec.binary else b"\x00" + body


def deflate_sizes(corpus, codec_class):
    """Return permessage-deflate sizes: one raw deflate stream per socket and direction (RFC 7692)."""
    codec, streams, sizes = codec_class(), {}, []
    for line in corpus:
        key = (line["conn"], line["dir"])
        if key not in streams:
            streams[key] = zlib.compressobj(wbits=-15)
        stream = streams[key]
        out = stream.compress(deflate_body(codec, line["frame"])) + stream.flush(zlib.Z_SYNC_FLUSH)
        sizes.append(len(out) - len(SYNC_TAIL))
    return sizes


def is_chinese(text):
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def groups(corpus, json_sizes):
    """Return named index sets the tables break totals down by."""
    frames = [line["frame"] for line in corpus]
    big = [i for i, size in enumerate(json_sizes) if size >= THRESHOLD]
    answers = [i for i in big if frames[i]["type"] == "message"]
    return [
        ("all frames", list(range(len(frames)))),
        ("frames >= 1 KB", big),
        ("answers >= 1 KB", answers),
        ("answers >= 1 KB, Chinese", [i for i in answers if is_chinese(frames[i]["text"])]),
        ("answers >= 1 KB, English", [i for i in answers if not is_chinese(frames[i]["text"])]),
        ("history pages >= 1 KB", [i for i in big if frames[i]["type"] == "history"]),
        ("stream deltas", [i for i, f in enumerate(frames) if f["type"] == "stream"]),
        ("frames < 1 KB", [i for i, size in enumerate(json_sizes) if size < THRESHOLD]),
    ]


def size_table(corpus):
    sizes = {name: wire_sizes(corpus, codec, snappy) for name, codec, snappy in WIRE_FORMATS}
    sizes.update({name: deflate_sizes(corpus, codec) for name, codec in DEFLATE_FORMATS})
    names = [name for name, *_ in WIRE_FORMATS] + [name for name, _ in DEFLATE_FORMATS]
    rows = []
    for label, indexes in groups(corpus, sizes["JSON"]):
        baseline = sum(sizes["JSON"][i] for i in indexes) or 1
        cells = []
        for name in names:
            total = sum(sizes[name][i] for i in indexes)
            cells.append(f"{total:,} ({100 * total / baseline:.0f}%)")
        rows.append(f"| {label} ({len(indexes)}) | " + " | ".join(cells) + " |")
    header = "| frames (count) | " + " | ".join(names) + " |"
    return "\n".join([header, "|" + " --- |" * (len(names) + 1), *rows])


def wire_passes(lines, codec_class, snappy):
    """Return (encode_all, decode_all) over the frames, through Wire as a socket would."""
    sender, receiver = make_wire(codec_class, snappy), make_wire(codec_class, False)
    frames = [line["frame"] for line in lines]
    payloads = [sender.encode(frame) for frame in frames]

    def encode_all():
        for frame in frames:
            sender.encode(frame)

    def decode_all():
        for kind, data in payloads:
            if kind == "text":
                receiver.decode(text=data)
            else:
                receiver.decode(data=data)

    return encode_all, decode_all


def deflate_passes(lines, codec_class):
    """Return (encode_all, decode_all) with one deflate stream per pass: the work, not the ratio."""
    codec = codec_class()
    frames = [line["frame"] for line in lines]
    stream = zlib.compressobj(wbits=-15)
    payloads = [(stream.compress(deflate_body(codec, f)) + stream.flush(zlib.Z_SYNC_FLUSH))[: -len(SYNC_TAIL)] for f in frames]

    def encode_all():
        stream = zlib.compressobj(wbits=-15)
        for frame in frames:
            stream.compress(deflate_body(codec, frame)) + stream.flush(zlib.Z_SYNC_FLUSH)

    def decode_all():
        stream = zlib.decompressobj(wbits=-15)
        for payload in payloads:
            body = stream.decompress(payload + SYNC_TAIL)
            codec.decode(body if not codec.binary else body[1:])

    return encode_all, decode_all


def median_us(passes, runs):
    """Return the median µs of each pass, the passes taking turns in every run."""
    # Repeat short passes so each timed sample lasts about 20 ms and timer noise stays small.
    repeats = []
    for run_pass in passes:
        start = time.perf_counter()
        run_pass()
        repeats.append(max(1, int(0.02 / max(time.perf_counter() - start, 1e-6))))
    samples = [[] for _ in passes]
    for _ in range(runs):
        for run_pass, repeat, out in zip(passes, repeats, samples):
            start = time.perf_counter()
            for _ in range(repeat):
                run_pass()
            out.append((time.perf_counter() - start) / repeat * 1e6)
    return [statistics.median(out) for out in samples]


def time_table(corpus, runs):
    json_sizes = wire_sizes(corpus, JsonCodec, False)
    big = [line for line, size in zip(corpus, json_sizes) if size >= THRESHOLD]
    rows = [
        "| format | encode µs/frame | decode µs/frame | encode, frames >= 1 KB | decode, frames >= 1 KB |",
        "| --- | --- | --- | --- | --- |",
    ]
    formats = [(name, lambda lines, c=codec, s=snappy: wire_passes(lines, c, s)) for name, codec, snappy in WIRE_FORMATS]
    formats += [(name, lambda lines, c=codec: deflate_passes(lines, c)) for name, codec in DEFLATE_FORMATS]
    passes = []
    for _, make in formats:
        passes += [*make(corpus), *make(big)]
    results = median_us(passes, runs)
    for index, (name, _) in enumerate(formats):
        all_enc, all_dec, big_enc, big_dec = results[4 * index:4 * index + 4]
        cells = [all_enc / len(corpus), all_dec / len(corpus), big_enc / len(big), big_dec / len(big)]
        rows.append(f"| {name} | " + " | ".join(f"{cell:.2f}" for cell in cells) + " |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timing runs; the median is reported")
    args = parser.parse_args()
    corpus = load_corpus()
    print(f"Corpus: {len(corpus)} frames from {CORPUS.relative_to(ROOT)}; Snappy threshold {THRESHOLD} bytes.\n")
    if corpus != make_corpus.build()[0]:
        print("Note: the corpus file differs from what make_corpus.py writes now; regenerate it.\n")
    print("Bytes on the wire (% of JSON)\n")
    print(size_table(corpus))
    print("\nprotobuf + Snappy over all frames by compression threshold\n")
    print(threshold_table(corpus))
    print("\nLong answers, each compressed on its own: text (% of UTF-8 bytes), protobuf frames (% of JSON)\n")
    print(text_table(corpus))
    print("\nThe corpus regenerated at each stream coalescing interval (the server's default is "
          f"{make_corpus.COALESCE_MS} ms)\n")
    print(interval_table())
    print("\nStream ids cut to fewer hex digits\n")
    print(stream_id_table(corpus))
    print(f"\nCodec time per frame through Wire, median of {args.runs} runs\n")
    print(time_table(corpus, args.runs))


if __name__ == "__main__":
    main()
