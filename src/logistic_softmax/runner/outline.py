"""What a reader sees of a notebook before reading it: its title and the first sentence of its opening paragraph
(the index's one-line description), and its sections (a report's table of contents).

Text is returned as *segments*, ``(kind, text)`` pairs with kind ``text``, ``code``, ``em`` or ``strong``: the
templates turn each into its element, with the text escaped, so nothing here writes HTML. Mathematics stays in the
text with its ``$`` delimiters, for MathJax.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

__all__ = ["Intro", "Heading", "intro", "intro_of_file", "first_sentence", "inline_segments", "headings"]

Segments = list[tuple[str, str]]

#: words whose full stop does not end a sentence
ABBREVIATIONS = {"e.g", "i.e", "cf", "etc", "vs", "fig", "eq", "no", "approx", "resp", "al"}


@dataclass
class Intro:
    """A notebook's title and the first sentence of its opening paragraph (plain Markdown, and as segments)."""

    title: str = ""
    sentence: str = ""
    title_segments: Segments = field(default_factory=list)
    sentence_segments: Segments = field(default_factory=list)

    @property
    def has_math(self) -> bool:
        return "$" in self.title or "$" in self.sentence


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def intro(cells: list[Any]) -> Intro:
    """The title (the first Markdown cell's ``# `` line) and the first sentence of the paragraph after it."""
    first = next((_source(c) for c in cells if c.get("cell_type") == "markdown"), "")
    lines = first.strip().splitlines()
    title = ""
    if lines and lines[0].startswith("#"):
        title = lines.pop(0).lstrip("#").strip()
    paragraph = []
    for line in lines:
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line.strip())
    sentence = first_sentence(" ".join(paragraph))
    return Intro(title, sentence, inline_segments(title), inline_segments(sentence))


def intro_of_file(path: Path) -> Intro:
    """:func:`intro` of a notebook file (read as JSON: no nbformat needed); an unreadable file gives an empty one."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return Intro()
    return intro(cells)


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Where a full stop cannot end a sentence: inside math (``$...$``, ``$$...$$``) or code (`` `...` ``)."""
    return [m.span() for m in re.finditer(r"\$\$.+?\$\$|\$[^$]+\$|`[^`]*`", text, flags=re.S)]


def first_sentence(paragraph: str) -> str:
    """The paragraph up to its first full stop (or ``!``, ``?``) that ends a sentence: followed by a space and a
    capital letter, a digit or a quote, or by the end; not inside math or code, not after an abbreviation."""
    text = " ".join(paragraph.split())
    protected = _protected_spans(text)
    for m in re.finditer(r"[.!?](?=\s+[\"'(A-Z0-9\u00c0-\u024f]|\s*$)", text):
        end = m.end()
        if any(a <= m.start() < b for a, b in protected):
            continue
        word = re.search(r"([\w.]+)$", text[:m.start()])
        if word and word.group(1).lower().rstrip(".") in ABBREVIATIONS:
            continue
        return text[:end].strip()
    return text.strip()


def inline_segments(text: str) -> Segments:
    """Markdown's inline code, strong and emphasis as segments; math (``$...$``) is left in the text."""
    out: Segments = []
    pattern = re.compile(r"(\$\$.+?\$\$|\$[^$]+\$)|`([^`]+)`|\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])",
                         flags=re.S)
    pos = 0
    for m in pattern.finditer(text):
        if m.group(1):  # math: plain text for MathJax
            continue
        if m.start() > pos:
            out.append(("text", text[pos:m.start()]))
        kind = "code" if m.group(2) is not None else "strong" if m.group(3) is not None else "em"
        out.append((kind, m.group(2) or m.group(3) or m.group(4)))
        pos = m.end()
    if pos < len(text):
        out.append(("text", text[pos:]))
    return _merge(out)


def _merge(segments: Segments) -> Segments:
    merged: Segments = []
    for kind, text in segments:
        if merged and merged[-1][0] == kind == "text":
            merged[-1] = ("text", merged[-1][1] + text)
        elif text:
            merged.append((kind, text))
    return merged


@dataclass
class Heading:
    """A section heading of a report: its level (2 for ``##``), the id nbconvert gives it, its text as segments."""

    level: int
    id: str
    segments: Segments

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.segments)


class _HeadingParser(HTMLParser):
    """The headings of a piece of HTML, with their ids and their text (code, emphasis kept; the anchor link left
    out)."""

    KINDS = {"code": "code", "em": "em", "strong": "strong"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Heading] = []
        self.current: Heading | None = None
        self.kinds: list[str] = []
        self.in_anchor = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.current = Heading(int(tag[1]), attrs.get("id") or "", [])
        elif self.current is not None:
            if tag == "a" and "anchor-link" in (attrs.get("class") or ""):
                self.in_anchor = True
            elif tag in self.KINDS:
                self.kinds.append(self.KINDS[tag])

    def handle_endtag(self, tag):
        if self.current is None:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self.current.segments = _merge(self.current.segments)
            self.found.append(self.current)
            self.current, self.kinds, self.in_anchor = None, [], False
        elif tag == "a":
            self.in_anchor = False
        elif tag in self.KINDS and self.kinds:
            self.kinds.pop()

    def handle_data(self, data):
        if self.current is not None and not self.in_anchor:
            self.current.segments.append((self.kinds[-1] if self.kinds else "text", data))


def headings(cells: list[Any]) -> list[Heading]:
    """Every heading of the Markdown cells among ``cells``, in order, with the id that nbconvert's Markdown renderer
    gives it in the page (the same renderer, so the table of contents links to the headings themselves)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    found: list[Heading] = []
    for cell in cells:
        source = _source(cell)
        if cell.get("cell_type") != "markdown" or "#" not in source:
            continue
        parser = _HeadingParser()
        parser.feed(markdown2html_mistune(source))
        found += [h for h in parser.found if h.id]
    return found
