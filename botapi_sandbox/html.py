"""Telegram-flavoured HTML: a strict checker, plain-text extraction and entity building.

Telegram accepts only a small set of tags (see https://core.telegram.org/bots/api#html-style).
:func:`parse_html` follows the rules of the real server (tdlib's ``parse_html``): unsupported
tags, badly nested or unclosed tags are errors; unknown attributes are ignored.  The sandbox is
stricter than Telegram in one place on purpose: a bare ``&`` that does not start one of the
entities ``&lt; &gt; &amp; &quot;`` or a numeric ``&#NN;`` / ``&#xHH;`` is rejected too, so that
the bot must escape user-provided text (tests/sandbox/test_sandbox.py, "Tom & Jerry").
"""

from __future__ import annotations

import html as _stdhtml
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "HtmlParseError",
    "ParsedText",
    "parse_html",
    "parse_text",
    "plain_text",
    "utf16_len",
]

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,6}));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[a-zA-Z0-9_-]+")

#: tag -> entity type (``None``: decided by attributes)
_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
ALLOWED_TAGS = frozenset(
    {*_SIMPLE_TAGS, "span", "a", "tg-emoji", "blockquote", "tg-time"},
)
_VALUELESS_ATTRS = {"blockquote": {"expandable"}}


class HtmlParseError(ValueError):
    """Raised for text Telegram would refuse with ``can't parse entities``."""


@dataclass
class ParsedText:
    """Result of entity parsing: the text the user sees and its entities (UTF-16 offsets)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset into the plain text
    byte_offset: int


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram uses for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the HTML entity at ``text[i]`` (which is ``&``); return (char, next index)."""
    match = _ENTITY_RE.match(text, i)
    if match is None:
        return None
    named, dec, hexa = match.groups()
    if named is not None:
        return _NAMED_ENTITIES[named], match.end()
    code = int(dec, 10) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _parse_attr_value(text: str, i: int, tag: str, start_byte: int) -> tuple[str, int]:
    n = len(text)
    if i < n and text[i] in "\"'":
        quote = text[i]
        i += 1
        out: list[str] = []
        while i < n and text[i] != quote:
            if text[i] == "&":
                decoded = _decode_entity(text, i)
                if decoded is None:
                    out.append("&")
                    i += 1
                else:
                    out.append(decoded[0])
                    i = decoded[1]
            else:
                out.append(text[i])
                i += 1
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {start_byte}')
        return "".join(out), i + 1
    start = i
    while i < n and not text[i].isspace() and text[i] != ">":
        i += 1
    return _stdhtml.unescape(text[start:i]), i


def _parse_start_tag(text: str, i: int) -> tuple[str, dict[str, str], int]:
    """Parse ``<name attr="v" ...>`` starting at ``text[i] == '<'``; return (name, attrs, end)."""
    n = len(text)
    begin_byte = _byte_offset(text, i)
    match = _TAG_NAME_RE.match(text, i + 1)
    assert match is not None  # the pattern matches the empty string
    name = match.group(0).lower()
    i = match.end()
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {begin_byte}")
    if name not in ALLOWED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {begin_byte}')
    attrs: dict[str, str] = {}
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {begin_byte}')
        if text[i] == ">":
            return name, attrs, i + 1
        attr_match = _ATTR_NAME_RE.match(text, i)
        if attr_match is None:
            raise HtmlParseError(
                f'Empty attribute name in the tag "{name}" at byte offset {_byte_offset(text, i)}'
            )
        attr = attr_match.group(0).lower()
        i = attr_match.end()
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] == "=":
            i += 1
            while i < n and text[i].isspace():
                i += 1
            value, i = _parse_attr_value(text, i, name, begin_byte)
            attrs[attr] = value
        elif attr in _VALUELESS_ATTRS.get(name, set()):
            attrs[attr] = ""
        else:
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{name}" '
                f"at byte offset {begin_byte}"
            )


def _entity_for(tag: _OpenTag, length: int, inner_code: dict[str, Any] | None) -> dict[str, Any]:
    entity: dict[str, Any] = {"offset": tag.offset, "length": length}
    if tag.name in _SIMPLE_TAGS:
        entity["type"] = _SIMPLE_TAGS[tag.name]
        if tag.name == "pre" and inner_code is not None and inner_code.get("language"):
            entity["language"] = inner_code["language"]
    elif tag.name == "span":
        entity["type"] = "spoiler"
    elif tag.name == "a":
        href = tag.attrs.get("href", "")
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user:
            entity["type"] = "text_mention"
            entity["user"] = {"id": int(user.group(1)), "is_bot": False, "first_name": ""}
        elif href:
            entity["type"] = "text_link"
            entity["url"] = href
        else:
            entity["type"] = "url"
    elif tag.name == "tg-emoji":
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = tag.attrs.get("emoji-id", "")
    elif tag.name == "blockquote":
        entity["type"] = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
    elif tag.name == "tg-time":
        entity["type"] = "date_time"
        if tag.attrs.get("unix", "").lstrip("-").isdigit():
            entity["unix_time"] = int(tag.attrs["unix"])
        if "format" in tag.attrs:
            entity["date_time_format"] = tag.attrs["format"]
    return entity


def _check_required_attrs(tag: str, attrs: dict[str, str], byte_offset: int) -> None:
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset}'
        )
    if tag == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise HtmlParseError(
            f'Tag "tg-emoji" must have a numeric attribute "emoji-id" at byte offset {byte_offset}'
        )
    if tag == "tg-time" and not attrs.get("unix", "").lstrip("-").isdigit():
        raise HtmlParseError(
            f'Tag "tg-time" must have a numeric attribute "unix" at byte offset {byte_offset}'
        )


def parse_html(text: str) -> ParsedText:
    """Parse Telegram HTML; raise :class:`HtmlParseError` where Telegram would refuse it."""
    out: list[str] = []
    out_len = 0  # UTF-16 length of what is in ``out``
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    code_in_pre: dict[int, dict[str, Any]] = {}
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is None:
                raise HtmlParseError(
                    f'Character "&" at byte offset {_byte_offset(text, i)} must be escaped as '
                    '"&amp;" (only &lt; &gt; &amp; &quot; and numeric entities are supported)'
                )
            out.append(decoded[0])
            out_len += utf16_len(decoded[0])
            i = decoded[1]
            continue
        if ch != "<":
            out.append(ch)
            out_len += 2 if ord(ch) > 0xFFFF else 1
            i += 1
            continue
        byte_offset = _byte_offset(text, i)
        if i + 1 < n and text[i + 1] == "/":
            match = _TAG_NAME_RE.match(text, i + 2)
            assert match is not None
            name = match.group(0).lower()
            j = match.end()
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset}")
            if not stack:
                raise HtmlParseError(f'Unexpected end tag "{name}" at byte offset {byte_offset}')
            top = stack.pop()
            if top.name != name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {byte_offset}, expected "</{top.name}>", '
                    f'found "</{name}>"'
                )
            length = out_len - top.offset
            if top.name == "code" and stack and stack[-1].name == "pre":
                # <pre><code class="language-x">: one "pre" entity carrying the language
                language = top.attrs.get("class", "")
                if language.startswith("language-"):
                    code_in_pre[len(stack) - 1] = {"language": language[len("language-") :]}
                i = j + 1
                continue
            inner = code_in_pre.pop(len(stack), None) if top.name == "pre" else None
            if length > 0:
                entities.append(_entity_for(top, length, inner))
            i = j + 1
            continue
        name, attrs, end = _parse_start_tag(text, i)
        _check_required_attrs(name, attrs, byte_offset)
        stack.append(_OpenTag(name, attrs, out_len, byte_offset))
        i = end
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return ParsedText("".join(out), entities)


def _strip_markdown(text: str, v2: bool) -> str:
    """Best-effort plain text for Markdown / MarkdownV2 (not validated by the sandbox)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if v2 and ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch in "*_`" or (v2 and ch in "~|"):
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _strip_edges(parsed: ParsedText) -> ParsedText:
    """Telegram trims leading and trailing whitespace; keep the entities aligned."""
    text = parsed.text
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    final = stripped_left.rstrip()
    total = utf16_len(final)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] - shift + entity["length"], total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(final, entities)


def parse_text(text: str, parse_mode: str | None) -> ParsedText:
    """Apply ``parse_mode`` like Telegram does; raises :class:`HtmlParseError` for bad HTML."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parsed = parse_html(text)
    elif mode in ("markdown", "markdownv2"):
        parsed = ParsedText(_strip_markdown(text, v2=mode == "markdownv2"))
    else:
        parsed = ParsedText(text)
    return _strip_edges(parsed)


_TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?>")


def plain_text(text: str, parse_mode: str | None = "HTML") -> str:
    """Lenient plain-text view, for transcripts and assertions: broken HTML is read as text
    rather than raising (test_plain_text_never_raises_on_broken_html)."""
    try:
        return parse_text(text, parse_mode).text
    except HtmlParseError:
        return _stdhtml.unescape(_TAG_RE.sub("", text)).strip()
