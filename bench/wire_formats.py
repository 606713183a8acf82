"""Compare wire formats over the frame corpus: bytes on the wire and codec time per frame.

Run from the repository root:  python bench/wire_formats.py [--runs 15]
Sizes are WebSocket message payloads as Wire produces them (text frames for plain
JSON, one flags byte plus the body for binary frames), without WebSocket headers.
"""

import argparse
import json
import statistics
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def coalesced(corpus, per_frame):
    """Return the corpus with every per_frame consecutive deltas of a stream sent as one."""
    out, pending, count, index = [], None, 0, {}
    for line in corpus:
        frame = line["frame"]
        if pending is not None and (frame["type"] != "stream" or frame["stream_id"] != pending["frame"]["stream_id"]
                                    or count == per_frame):
            out.append(pending)
            pending = None
        if frame["type"] != "stream":
            out.append(line)
        elif pending is None:
            stream_id = frame["stream_id"]
            index[stream_id] = index.get(stream_id, -1) + 1
            pending, count = {**line, "frame": {**frame, "index": index[stream_id]}}, 1
        else:
            pending["frame"]["delta"] += frame["delta"]
            count += 1
    if pending is not None:
        out.append(pending)
    return out


def coalesce_table(corpus):
    """Show what sending several model deltas per stream frame saves; the contract allows any delta size."""
    baseline = sum(wire_sizes(corpus, JsonCodec, False))
    rows = ["| deltas per stream frame | frames | protobuf + Snappy | % of JSON |", "| --- | --- | --- | --- |"]
    for per_frame in (1, 2, 4, 8):
        lines = coalesced(corpus, per_frame)
        total = sum(wire_sizes(lines, ProtoCodec, True))
        rows.append(f"| {per_frame} | {len(lines)} | {total:,} | {100 * total / baseline:.1f}% |")
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
    print("Bytes on the wire (% of JSON)\n")
    print(size_table(corpus))
    print("\nprotobuf + Snappy over all frames by compression threshold\n")
    print(threshold_table(corpus))
    print("\nprotobuf + Snappy over all frames with stream deltas coalesced (% of the original JSON)\n")
    print(coalesce_table(corpus))
    print(f"\nCodec time per frame through Wire, median of {args.runs} runs\n")
    print(time_table(corpus, args.runs))


if __name__ == "__main__":
    main()
