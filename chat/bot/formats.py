"""Read and write knowledge-base files (.json, .csv, .md), naming the row of every bad entry."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Entry", "KBFormatError", "FORMATS", "format_for", "parse", "render"]

FORMATS = ("json", "csv", "md")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
MAX_TITLE = 200
MAX_LANGUAGE = 8
CSV_COLUMNS = ("id", "title", "questions", "answer", "tags", "language", "enabled")
CSV_REQUIRED = ("id", "title", "answer")
LIST_SEPARATOR = "|"  # inside a CSV cell
TRUE = {"", "1", "true", "yes", "on", "y"}
FALSE = {"0", "false", "no", "off", "n"}
HEADING = re.compile(r"^##\s+(?P<title>.*?)\s*\{#(?P<id>[^}]*)\}\s*$")
META = re.compile(r"^(?P<key>tags|language|enabled):\s*(?P<value>.*)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Entry:
    """One article as a file holds it; `slug` is the article's stable id."""

    slug: str
    title: str
    answer: str
    questions: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str = ""
    enabled: bool = True

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON interchange object."""
        data: dict[str, Any] = {"id": self.slug, "title": self.title, "questions": self.questions, "answer": self.answer,
                "tags": self.tags}
        if self.language:
            data["language"] = self.language
        if not self.enabled:
            data["enabled"] = False
        return data


class KBFormatError(ValueError):
    """A file holds bad entries; `errors` names each with its row or line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def format_for(path: str | Path, explicit: str | None = None) -> str:
    """Return json, csv or md from an explicit choice or the file extension."""
    kind = (explicit or Path(path).suffix.lstrip(".")).lower()
    kind = {"markdown": "md"}.get(kind, kind)
    if kind not in FORMATS:
        raise KBFormatError([f"{path}: unknown format {kind!r} (use .json, .csv or .md)"])
    return kind


# --- reading --------------------------------------------------------------


def parse(text: str, kind: str) -> list[Entry]:
    """Parse a whole file and validate every entry; raise KBFormatError listing all bad ones."""
    located = {"json": _read_json, "csv": _read_csv, "md": _read_md}[kind](text)
    entries: list[Entry] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    for where, raw in located:
        try:
            entry = _entry(raw)
        except ValueError as exc:
            errors.append(f"{where}: {exc}")
            continue
        if entry.slug in seen:
            errors.append(f"{where}: duplicate id {entry.slug!r} (first at {seen[entry.slug]})")
            continue
        seen[entry.slug] = where
        entries.append(entry)
    if errors:
        raise KBFormatError(errors)
    return entries


def _read_json(text: str) -> list[tuple[str, Any]]:
    try:
        payload = json.loads(text)
    except ValueError as exc:
        raise KBFormatError([f"line {getattr(exc, 'lineno', '?')}: not valid JSON ({exc})"]) from exc
    rows = payload.get("articles") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        raise KBFormatError(['expected {"articles": [...]} or a list of articles'])
    return [(f"article {n}", row) for n, row in enumerate(rows, 1)]


def _read_csv(text: str) -> list[tuple[str, Any]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [name.strip().lower() for name in next(reader, [])]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    missing = [name for name in CSV_REQUIRED if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        raise KBFormatError([
            f"line 1: the header must name columns from {', '.join(CSV_COLUMNS)} with {', '.join(CSV_REQUIRED)} "
            f"(unknown: {', '.join(unknown) or '-'}; missing: {', '.join(missing) or '-'})"
        ])
    rows: list[tuple[str, Any]] = []
    line = reader.line_num + 1
    for cells in reader:
        where, line = f"line {line}", reader.line_num + 1  # a quoted cell may span lines
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            rows.append((where, ValueError(f"expected {len(header)} cells, found {len(cells)}")))
            continue
        row: dict[str, Any] = dict(zip(header, cells))
        for name in ("questions", "tags"):
            row[name] = [item.strip() for item in row.get(name, "").split(LIST_SEPARATOR) if item.strip()]
        rows.append((where, row))
    return rows


def _read_md(text: str) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    current: dict[str, Any] | None = None
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        stripped = line.strip()
        if line.startswith("## "):
            match = HEADING.match(stripped)
            current = {"title": match["title"], "id": match["id"].strip(), "questions": [], "answer": []} if match else {}
            rows.append((f"line {number}", current if match else ValueError("a heading must read '## Title {#id}'")))
        elif current is None:
            if stripped and not stripped.startswith("# "):
                rows.append((f"line {number}", ValueError("text before the first '## Title {#id}' heading")))
        elif not current:
            continue  # inside a section whose heading was already reported
        elif (meta := META.match(stripped)) is not None:
            key, value = meta["key"].lower(), meta["value"].strip()
            current[key] = [t.strip() for t in value.split(",") if t.strip()] if key == "tags" else value
        elif stripped.startswith(("- ", "* ")) and not current["answer"]:
            current["questions"].append(stripped[2:].strip())
        elif stripped or current["answer"]:
            current["answer"].append(line.rstrip())
    for _, row in rows:
        if isinstance(row, dict) and row:
            row["answer"] = "\n".join(row["answer"]).strip()
    return rows


def _entry(raw: Any) -> Entry:
    """Validate one raw row into an Entry."""
    if isinstance(raw, Exception):
        raise raw
    if not isinstance(raw, Mapping):
        raise ValueError("an article must be an object")
    slug = _text(raw, "id")
    if not SLUG.match(slug):
        raise ValueError(f"id {slug!r} must be 1-100 lowercase letters, digits, '-' or '_'")
    title, answer = _text(raw, "title"), _text(raw, "answer")
    if len(title) > MAX_TITLE or "\n" in title:
        raise ValueError(f"title must be one line of at most {MAX_TITLE} characters")
    questions = _items(raw, "questions", forbidden=(LIST_SEPARATOR, "\n"))
    tags = _items(raw, "tags", forbidden=(LIST_SEPARATOR, ",", "\n"))
    language = str(raw.get("language") or "").strip()
    if len(language) > MAX_LANGUAGE:
        raise ValueError(f"language must be at most {MAX_LANGUAGE} characters")
    return Entry(slug=slug, title=title, answer=answer, questions=questions, tags=tags, language=language,
                 enabled=_flag(raw.get("enabled", True)))


def _text(raw: Mapping, key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} is missing or empty")
    return value.strip()


def _items(raw: Mapping, key: str, *, forbidden: tuple[str, ...]) -> list[str]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{key} must be a list of strings")
    items = [item.strip() for item in value if item.strip()]
    for item in items:
        if any(mark in item for mark in forbidden):
            shown = ", ".join(repr(m) for m in forbidden)
            raise ValueError(f"{key} entry {item[:40]!r} may not contain {shown}")
    return items


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"enabled must be true or false, not {value!r}")


# --- writing --------------------------------------------------------------


def render(entries: Iterable[Entry], kind: str) -> str:
    """Write entries in a format `parse` reads back to the same entries."""
    entries = list(entries)
    if kind == "json":
        return json.dumps({"version": 1, "articles": [e.as_dict() for e in entries]}, ensure_ascii=False, indent=1) + "\n"
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for e in entries:
            writer.writerow([e.slug, e.title, LIST_SEPARATOR.join(e.questions), e.answer,
                             LIST_SEPARATOR.join(e.tags), e.language, "true" if e.enabled else "false"])
        return out.getvalue()
    return "# Knowledge base\n" + "".join(_md_section(e) for e in entries)


def _md_section(e: Entry) -> str:
    lines = ["", f"## {e.title} {{#{e.slug}}}", ""]
    if e.questions:
        lines += [f"- {q}" for q in e.questions] + [""]
    lines += [e.answer, ""]
    if e.tags:
        lines.append("tags: " + ", ".join(e.tags))
    if e.language:
        lines.append(f"language: {e.language}")
    if not e.enabled:
        lines.append("enabled: false")
    return "\n".join(lines) + "\n"
