"""docs/targets.md shows, construct by construct, what each target writes: the code must agree.

The section between `<!-- constructs:start -->` and `<!-- constructs:end -->` is what
`construct_section()` renders from the emitters themselves, byte for byte; after changing an
emitter, `TMPLKIT_UPDATE_DOCS=1 pytest tests/test_targets_doc.py` rewrites it (then read the
diff: it is the change users see).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from tmplkit import compile_string
from tmplkit.errors import CompileError

DOC = Path(__file__).resolve().parents[1] / "docs" / "targets.md"
START, END = "<!-- constructs:start -->", "<!-- constructs:end -->"
TARGETS = [
    "jinja",
    "handlebars",
    "handlebarsjava",
    "sendgrid",
    "mandrillhandlebars",
    "liquid",
    "freemarker",
    "cheetah",
    "ampscript",
]


# (title, source of an HTML part, the types declared for it)
def req(kind: str) -> dict[str, Any]:
    """A declaration of a value every message has (`{ type = "…", required = true }`)."""
    return {"type": kind, "required": True}


CONSTRUCTS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "A string",
        "<p>{{ user.first_name }}</p>",
        {"user": req("object"), "user.first_name": req("string")},
    ),
    (
        "A value that may be missing, with a default",
        '<p>{{ user.nickname|default("friend") }}</p>',
        {"user": req("object"), "user.nickname": {"type": "string", "required": False}},
    ),
    (
        "A number",
        "<p>{{ order.total }}</p>",
        {"order": req("object"), "order.total": req("number")},
    ),
    (
        "if/else on a boolean",
        "{% if user.vip %}<b>VIP</b>{% else %}member{% endif %}",
        {"user": req("object"), "user.vip": req("boolean")},
    ),
    (
        "A comparison",
        '{% if user.plan == "pro" %}Pro{% endif %}',
        {"user": req("object"), "user.plan": req("string")},
    ),
    (
        "for/else",
        "<ul>{% for l in order.lines %}<li>{{ l.name }}</li>{% else %}<li>none</li>{% endfor %}</ul>",
        {"order": req("object"), "order.lines": req("list"), "order.lines[].name": req("string")},
    ),
    ("Raw HTML (`|safe`)", "<div>{{ snippet|safe }}</div>", {"snippet": req("string")}),
    (
        "A URL from the data",
        '<a href="{{ order.url }}">Track</a>',
        {"order": req("object"), "order.url": req("string")},
    ),
    (
        "A plural (English)",
        "<p>{% trans count=n %}{{ count }} item{% pluralize %}{{ count }} items{% endtrans %}</p>",
        {"n": req("integer")},
    ),
]

_FTL_HEADER = re.compile(r"\A<#ftl [^>]*\n>(<#setting [^>]*\n>)?")
_FTL_FUNCTION = re.compile(r"<#function (\S+) .*?</#function\n>", re.S)
_CHEETAH_SET = re.compile(r"^#set (\w+) = .*\n", re.M)


def body(target: str, text: str) -> tuple[str, list[str]]:
    """The compiled text without what every template of the target starts with (FreeMarker's
    `<#ftl>` header, Cheetah's escaping `#filter`), and the helpers it defines at its top."""
    defined: list[str] = []
    if target == "freemarker":
        text = _FTL_HEADER.sub("", text)
        defined = _FTL_FUNCTION.findall(text)
        text = _FTL_FUNCTION.sub("", text)
    elif target == "cheetah":
        defined = [n for n in _CHEETAH_SET.findall(text) if n != "tk_html"]
        text = _CHEETAH_SET.sub("", text)
        text = text.removeprefix("#filter $tk_html\n").removesuffix("#end filter#")
    return text, defined


def construct_section() -> str:
    out = [START, ""]
    for title, source, declare in CONSTRUCTS:
        types = ", ".join(
            f"`{path}`: {kind['type']}" + ("" if kind["required"] else " (may be missing or null)")
            for path, kind in declare.items()
        )
        out += [
            f"### {title}",
            "",
            f"`{source}`, with {types}; the others required:",
            "",
            "```text",
        ]
        for target in TARGETS:
            try:
                text, defined = body(target, compile_string(source, target, declare=declare))
            except CompileError as exc:
                text, defined = f"refused: {str(exc).split(': ', 1)[1]}", []
            assert "\n" not in text, (target, text)
            out.append(f"{target:<19}{text}")
            if defined:
                out.append(f"{'':<19}(and, at the top, the definitions of {', '.join(defined)})")
        out += ["```", ""]
    out.append(END)
    return "\n".join(out)


def test_the_construct_table_is_what_the_emitters_write() -> None:
    doc = DOC.read_text("utf-8")
    start, end = doc.index(START), doc.index(END) + len(END)
    section = construct_section()
    if os.environ.get("TMPLKIT_UPDATE_DOCS") == "1":
        DOC.write_text(doc[:start] + section + doc[end:], "utf-8")
        doc = DOC.read_text("utf-8")
    assert doc[start : start + len(section)] == section
