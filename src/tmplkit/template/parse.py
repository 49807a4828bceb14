"""Jinja-syntax source → tmplkit IR; non-portable constructs refused with their position.

The source is scanned first (scan.py: the tags and their positions), its limits checked on the
tags (limits.py), then read by Jinja's parser and converted: statements and translations here,
expressions in expressions.py.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import NoReturn

import jinja2
from jinja2 import nodes as jn

from ..datafile import BOM, source_text
from ..errors import TemplateError
from ..store.records import BUILTIN_KEYWORDS, GettextKeyword
from . import ir
from .expressions import ExpressionConverter, argument_count
from .limits import check_nesting
from .scan import Tag, gettext_call_re, scan

PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")
# python-format read left to right: a literal `%%`, or a `%(name)s` placeholder (group 1), so
# that `100%%(v)s` is "100%(v)s" with no placeholder in it.
FORMAT_TOKEN_RE = re.compile(r"%%|%\((\w+)\)s")
BLOCK_INCLUDE_RE = re.compile(r"^blocks/([a-z0-9][a-z0-9._-]*)$")
LAYOUT_EXTENDS_RE = re.compile(r"^layouts/([a-z0-9][a-z0-9._-]*)$")

GETTEXT_NAMES = frozenset(k.name for k in BUILTIN_KEYWORDS)

# A hint for each construct Jinja accepts but tmplkit cannot carry to every target language.
STATEMENT_HINTS: dict[type[jn.Node], tuple[str, str, str]] = {
    jn.Assign: ("{% set %}", "set", "compute the value in your recipient data instead"),
    jn.AssignBlock: ("{% set %}", "set", "compute the value in your recipient data instead"),
    jn.Macro: (
        "{% macro %}",
        "macro",
        'put the shared markup in a block: {% include "blocks/NAME" %}',
    ),
    jn.CallBlock: (
        "{% call %}",
        "call",
        'put the shared markup in a block: {% include "blocks/NAME" %}',
    ),
    jn.Import: ("{% import %}", "import", 'use blocks: {% include "blocks/NAME" %}'),
    jn.FromImport: ("{% from %}", "from", 'use blocks: {% include "blocks/NAME" %}'),
    jn.FilterBlock: ("{% filter %}", "filter", "apply a portable filter to each output"),
    jn.With: ("{% with %}", "with", "refer to the data directly"),
    jn.Scope: (  # Jinja's {% autoescape %} (its {% with %} is jn.With)
        "{% autoescape %}",
        "autoescape",
        "HTML parts escape every output: write |safe on an output to keep its HTML",
    ),
}

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


# --- reading a source --------------------------------------------------------------------------


def read_source(path: Path, file: str) -> str:
    """The source in `path` (see datafile.source_text); `file` is its name in messages."""
    return source_text(path.read_bytes(), file)


# --- the Jinja environment used only for parsing -----------------------------------------------


@lru_cache(maxsize=1)
def _parser_env() -> jinja2.Environment:
    env = jinja2.Environment(
        extensions=["jinja2.ext.i18n"], autoescape=False, keep_trailing_newline=True
    )
    env.policies["ext.i18n.trimmed"] = True
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # trans blocks become plain calls
    return env


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def parse(
    source: str, file: str = "<template>", keywords: tuple[GettextKeyword, ...] = ()
) -> ir.Template:
    """Parse a template source into IR; raise TemplateError with position for anything else.

    `keywords`: the project's own gettext functions (tmplkit.toml's [i18n] keywords, as
    `Settings.keywords` holds them), translated like tmplkit's `_()`, `ngettext()`, ….
    A byte order mark at the start is not part of the template (nor of its columns)."""
    return _Converter(source.removeprefix(BOM), file, keywords).convert()


class _Converter(ExpressionConverter):
    def __init__(self, source: str, file: str, keywords: tuple[GettextKeyword, ...]) -> None:
        gettext: dict[str, dict[int | None, GettextKeyword]] = {}
        for keyword in (*BUILTIN_KEYWORDS, *keywords):
            gettext.setdefault(keyword.name, {})[keyword.total] = keyword
        gettext_call = gettext_call_re(frozenset(gettext))
        tags = scan(source, gettext_call)
        depth = check_nesting(tags, file, gettext_call)
        super().__init__(source, file, tags)
        self.gettext = gettext
        self.depth = depth
        self.level = 0  # the nesting level of the statement being converted
        self.block_names: set[str] = set()  # the {% block %}s defined so far
        self.in_block = 0  # how many {% block %}s the statement being converted is inside

    # -- template and statements --

    def convert(self) -> ir.Template:
        try:
            tree = _parser_env().parse(self.source)
        except jinja2.TemplateSyntaxError as exc:
            self._syntax_error(exc)
        self._whole_characters(tree)
        first = next((n for n in tree.body if not _blank(n)), None)
        if isinstance(first, jn.Extends):
            body: ir.Body = (self.extends(first, tree.body),)
        else:
            body = self.body(tree.body)
        return ir.Template(
            body=body, file=self.file, source_hash=source_hash(self.source), depth=self.depth
        )

    def _whole_characters(self, tree: jn.Template) -> None:
        """String literals as characters: Jinja reads `"\\ud83d\\ude00"` as two UTF-16 halves,
        which no file or message can hold. A pair becomes the character it encodes; a lone
        half is an error at its line."""
        for const in tree.find_all(jn.Const):
            value = const.value
            if not isinstance(value, str) or not _SURROGATE_RE.search(value):
                continue
            joined = value.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
            lone = _SURROGATE_RE.search(joined)
            if lone is None:
                const.value = joined
                continue
            code = f"{ord(lone.group(0)):04x}"
            pos = self.locate(const.lineno or 1, r"(?i)\\u" + code)
            raise TemplateError(
                f"the string literal holds \\u{code}, half of a UTF-16 pair, alone",
                file=self.file,
                line=pos.line,
                col=pos.col,
                hint="write the character itself (or \\U0001f600 for one beyond \\uffff)",
            )

    def _syntax_error(self, exc: jinja2.TemplateSyntaxError) -> NoReturn:
        lineno = exc.lineno or 1
        on_line = [t for t in self.tags if t.line <= lineno <= t.end_line and t.kind != "{#"]
        pos = ir.Pos(on_line[-1].line, on_line[-1].col) if on_line else ir.Pos(lineno, 1)
        hint = None
        message = exc.message or "syntax error"
        unknown = re.match(r"Encountered unknown tag '(\w+)'", message)
        if unknown:
            hint = "the portable tags are if/elif/else, for, trans/pluralize, include and raw"
            pos = self.locate(lineno, r"\b" + re.escape(unknown.group(1)) + r"\b")
        elif self._inside_trans(lineno):
            hint = (
                "inside {% trans %} write only {{ name }} and bind it in the tag: "
                "{% trans name=user.first_name %}"
            )
        raise TemplateError(
            f"syntax error: {message}", file=self.file, line=pos.line, col=pos.col, hint=hint
        ) from None

    def _inside_trans(self, lineno: int) -> bool:
        opened: Tag | None = None
        for t in self.tags:
            if t.kind != "{%":
                continue
            if re.match(r"trans\b", t.inner):
                opened = t
            elif re.match(r"endtrans\b", t.inner) and opened:
                if opened.line <= lineno <= t.end_line:
                    return True
                opened = None
        return opened is not None and opened.line <= lineno

    def body(self, stmts: list[jn.Node]) -> ir.Body:
        out: list[ir.Node] = []
        for stmt in stmts:
            out.extend(self.statement(stmt))
        return merge_text(out)

    def statement(self, node: jn.Node) -> list[ir.Node]:
        if isinstance(node, jn.Output):
            result: list[ir.Node] = []
            for child in node.nodes:
                result.append(self.output_child(child))
            return result
        if isinstance(node, jn.If):
            return [self.if_(node)]
        if isinstance(node, jn.For):
            return [self.for_(node)]
        if isinstance(node, jn.Include):
            return [self.include(node)]
        if isinstance(node, jn.Block):
            return [self.block(node)]
        if isinstance(node, jn.Extends):
            tag = self.take("{%", r"extends\b", node.lineno)
            self.fail(
                "{% extends %} must be the first tag of the part",
                self.tag_pos(tag, node.lineno),
                construct="extends",
                hint="only whitespace and comments may come before it",
            )
        if (
            isinstance(node, jn.Assign)
            and isinstance(node.target, jn.Name)
            and node.target.name == "_trans"
        ):
            # Jinja computes a trans block's first binding once, before the block, when it is
            # a call (`{% trans x=f() %}`): refused as _() refuses a call.
            tag = self.take("{%", r"trans\b", node.node.lineno or 1)
            self.value(node.node, tag)
        hint = STATEMENT_HINTS.get(type(node))
        # Jinja gives an {% autoescape %} (a Scope) no line: its body's first node has one.
        lineno = node.lineno or min(
            (n.lineno for n in node.find_all(jn.Node) if n.lineno), default=1
        )
        tag = self.take("{%", None, lineno)
        if hint:
            label, keyword, advice = hint
            pos = self.locate(lineno, r"\b" + keyword + r"\b", tag)
            self.fail(f"{label} is not portable", pos, construct=label, hint=advice)
        pos = self.tag_pos(tag, lineno)
        name = tag.inner.split(None, 1)[0] if tag and tag.inner else type(node).__name__.lower()
        self.fail(f"{{% {name} %}} is not portable", pos, construct=name)

    def output_child(self, child: jn.Node) -> ir.Node:
        if isinstance(child, jn.TemplateData):
            return ir.Text(child.data)
        if isinstance(child, jn.Call) and (keyword := self.gettext_keyword(child)):
            return self.trans(child, keyword)
        tag = self.take("{{", None, child.lineno)
        if (
            isinstance(child, jn.Call)
            and isinstance(child.node, jn.Name)
            and child.node.name == "super"
        ):
            return self.super_(child, tag)
        if (
            isinstance(child, jn.Const)
            and isinstance(child.value, str | int)
            and not isinstance(child.value, bool)
        ):
            text = str(child.value)
            if re.search(r"[<>&\"']", text):
                self.fail(
                    "a string literal with HTML characters is not portable",
                    self.tag_pos(tag, child.lineno),
                    construct="literal",
                    hint="write the text directly in the template",
                )
            return ir.Text(text)
        value = self.value(child, tag)
        return ir.Output(value, self.tag_pos(tag, child.lineno))

    def gettext_keyword(self, call: jn.Call) -> GettextKeyword | None:
        """The gettext function a call is, by its name and (for a spec with `Nt`) its number
        of arguments, counted as Babel's Jinja extractor counts them."""
        if not isinstance(call.node, jn.Name) or call.node.name not in self.gettext:
            return None
        specs = self.gettext[call.node.name]
        return specs.get(argument_count(call)) or specs.get(None)

    def if_(self, node: jn.If) -> ir.If:
        tag = self.take("{%", r"if\b", node.lineno)
        pos = self.tag_pos(tag, node.lineno)
        self.level += 1
        branches = [(self.condition(node.test, tag), self.body(node.body))]
        for elif_ in node.elif_:
            etag = self.take("{%", r"elif\b", elif_.lineno)
            branches.append((self.condition(elif_.test, etag), self.body(elif_.body)))
        else_ = self.body(node.else_)
        self.level -= 1
        return ir.If(tuple(branches), else_, pos)

    def for_(self, node: jn.For) -> ir.For:
        tag = self.take("{%", r"for\b", node.lineno)
        pos = self.tag_pos(tag, node.lineno)
        if not isinstance(node.target, jn.Name):
            self.fail(
                "unpacking in a for loop is not portable",
                self.locate(node.lineno, r"\bfor\b", tag),
                construct="for with unpacking",
                hint="loop over a list of objects: {% for line in order.lines %}",
            )
        if node.recursive:
            self.fail(
                "recursive loops are not portable",
                self.locate(node.lineno, r"\brecursive\b", tag),
                construct="recursive for",
                hint="flatten the data",
            )
        if node.test is not None:
            self.fail(
                "a loop filter (for … if …) is not portable",
                self.locate(node.lineno, r"\bif\b", tag),
                construct="for … if",
                hint="wrap the loop body in {% if %}, or filter the list in your data",
            )
        if node.target.name == "loop":
            self.fail(
                "`loop` is reserved",
                self.locate(node.lineno, r"\bloop\b", tag),
                construct="for loop",
                hint="name the loop variable otherwise: {% for item in order.lines %}",
            )
        self.check_expression(node.iter, tag, node.lineno)
        if isinstance(node.iter, jn.Const):
            self.fail(
                f"a loop must go over a list in the data, not the literal {node.iter.value!r}",
                self.locate(node.lineno, r"[\"'0-9]", tag),
                construct="for loop",
                hint="loop over a list in your data: {% for line in order.lines %}",
            )
        iterable = self.ref(node.iter, tag)
        if not isinstance(iterable, ir.Path):
            self.fail(
                "a loop must go over a list in the data",
                pos,
                construct="for loop",
                hint="loop over a list in your data: {% for line in order.lines %}",
            )
        self.level += 1
        self.loop_depth += 1
        body = self.body(node.body)
        self.loop_depth -= 1
        else_ = self.body(node.else_)
        self.level -= 1
        return ir.For(node.target.name, iterable, body, else_, pos)

    def include(self, node: jn.Include) -> ir.BlockRef:
        tag = self.take("{%", r"include\b", node.lineno)
        pos = self.tag_pos(tag, node.lineno)
        tmpl = node.template
        name = tmpl.value if isinstance(tmpl, jn.Const) and isinstance(tmpl.value, str) else None
        match = BLOCK_INCLUDE_RE.match(name or "")
        for words, wrong, advice in (
            ("ignore missing", node.ignore_missing, "a block must exist: create it and write"),
            ("without context", not node.with_context, "a block sees the template's data: write"),
        ):
            if wrong and match:
                self.fail(
                    f"{{% include … {words} %}} is not portable",
                    self.locate(node.lineno, r"\b" + words.split()[0] + r"\b", tag),
                    construct=f"include {words}",
                    hint=f'{advice} {{% include "{name}" %}}',
                )
        if not match:
            self.fail(
                "only blocks can be included, by a literal name",
                pos,
                construct="include",
                hint='write {% include "blocks/footer" %} for the block with slug "footer"',
            )
        return ir.BlockRef(match.group(1), pos, self.level + 1)

    # -- layouts --

    def extends(self, node: jn.Extends, stmts: list[jn.Node]) -> ir.Extends:
        """A part that extends a layout: the literal layout name, then only blocks."""
        tag = self.take("{%", r"extends\b", node.lineno)
        pos = self.tag_pos(tag, node.lineno)
        tmpl = node.template
        name = tmpl.value if isinstance(tmpl, jn.Const) and isinstance(tmpl.value, str) else None
        match = LAYOUT_EXTENDS_RE.match(name or "")
        if not match:
            self.fail(
                "only layouts can be extended, by a literal name",
                pos,
                construct="extends",
                hint='write {% extends "layouts/base" %} for the layout with slug "base"',
            )
        if tag is not None:
            self._only_blocks_after(tag)
        blocks = [self.block(n) for n in stmts if isinstance(n, jn.Block)]
        return ir.Extends(match.group(1), tuple(blocks), pos)

    def _only_blocks_after(self, extends: Tag) -> None:
        """After an extends, only blocks (and whitespace, comments) at the top level: Jinja
        would silently drop anything else."""
        depth = 0
        start = extends.end
        for tag in [*self.tags, None]:
            if tag is not None and tag.start < extends.end:
                continue
            end = tag.start if tag is not None else len(self.source)
            text = self.source[start:end]
            if depth == 0 and text.strip():
                offset = start + len(text) - len(text.lstrip())
                line = self.source.count("\n", 0, offset) + 1
                col = offset - self.source.rfind("\n", 0, offset)
                self._outside_block("text", ir.Pos(line, col))
            if tag is None:
                return
            start = tag.end
            keyword = tag.inner.split(None, 1)[0] if tag.inner else ""
            if tag.kind == "{#":
                continue
            if tag.kind == "{%" and keyword == "block":
                depth += 1
            elif tag.kind == "{%" and keyword == "endblock":
                depth -= 1
            elif depth == 0:
                what = f"{{% {keyword} %}}" if tag.kind == "{%" else "{{ … }}"
                self._outside_block(what, ir.Pos(tag.line, tag.col))

    def _outside_block(self, what: str, pos: ir.Pos) -> NoReturn:
        self.fail(
            f"{what} outside a {{% block %}} would not print: the part extends a layout",
            pos,
            construct="extends",
            hint="put it inside one of the layout's blocks",
        )

    def block(self, node: jn.Block) -> ir.BlockDef:
        tag = self.take("{%", r"block\b", node.lineno)
        pos = self.tag_pos(tag, node.lineno)
        for word, advice in (
            ("scoped", "a block sees the loop variables around it: write {% block NAME %}"),
            ("required", "give the block a default content in the layout"),
        ):
            if getattr(node, word):
                self.fail(
                    f"{{% block … {word} %}} is not portable",
                    self.locate(node.lineno, r"\b" + word + r"\b", tag),
                    construct=f"block {word}",
                    hint=advice,
                )
        if node.name in self.block_names:
            self.fail(
                f'block "{node.name}" is defined twice',
                pos,
                construct="block",
                hint="give each block of a part its own name",
            )
        self.block_names.add(node.name)
        self.level += 1
        self.in_block += 1
        body = self.body(node.body)
        self.in_block -= 1
        self.level -= 1
        return ir.BlockDef(node.name, body, pos)

    def super_(self, call: jn.Call, tag: Tag | None) -> ir.Super:
        pos = self.tag_pos(tag, call.lineno)
        if not self.in_block:
            self.fail(
                "super() is only portable inside a {% block %}",
                pos,
                construct="super()",
                hint="write {{ super() }} in a block to print the layout's content of it",
            )
        if call.args or call.kwargs or call.dyn_args or call.dyn_kwargs:
            self.fail(
                "super() takes no arguments", pos, construct="super()", hint="write {{ super() }}"
            )
        return ir.Super(pos)

    # -- translations --

    def trans(self, call: jn.Call, keyword: GettextKeyword) -> ir.Trans:
        name = keyword.name
        from_block = self._is_block(call)
        if from_block:
            tag = self.take("{%", r"trans\b", call.lineno)
            self._skip_to_endtrans()
        else:
            tag = self.take("{{", None, call.lineno)
        pos = self.tag_pos(tag, call.lineno)
        function = f"{name}()"
        args = list(call.args)
        if call.dyn_args or call.dyn_kwargs:
            self.fail(
                f"{function} takes no *args or **kwargs",
                self.locate(call.lineno, r"\*", tag),
                construct=function,
                hint=f'pass each value by name: {name}("Hello %(name)s", name=user.name)',
            )
        wanted = keyword.strings
        strings: list[str] = []
        for at, arg in enumerate(args[:wanted], start=1):
            if not isinstance(arg, jn.Const) or not isinstance(arg.value, str):
                role = "context" if at == keyword.context else "string"
                self.fail(
                    f"{function} needs a literal {role} as its argument {at}",
                    pos,
                    construct=function,
                    hint=f"write {example_call(keyword)}, and pass values by name",
                )
            strings.append(arg.value)
        if len(args) < wanted:
            self.fail(
                f"{function} needs {wanted} string argument{'s' * (wanted > 1)}",
                pos,
                construct=function,
            )
        context = None if keyword.context is None else strings[keyword.context - 1]
        msgid = strings[keyword.messages[0] - 1]
        plural: str | None = None
        count_expr: jn.Node | None = None
        rest = args[wanted:]
        if len(keyword.messages) == 2:
            plural = strings[keyword.messages[1] - 1]
            if len(rest) != 1:
                self.fail(
                    f"{function} needs one count after its strings",
                    pos,
                    construct=function,
                    hint=f"write {example_call(keyword)}",
                )
            count_expr = rest[0]
        elif rest:
            self.fail(
                f"{function} takes only its strings and name=value pairs",
                pos,
                construct=function,
                hint=f'pass each value by name: {name}("Hello %(name)s", name=user.name)',
            )
        bindings: list[tuple[str, ir.Value]] = []
        count: str | None = None
        for kw in call.kwargs:
            if isinstance(kw.value, jn.Const):
                self.fail(
                    f"{kw.key}={kw.value.value!r} in {function} is a literal, not a value from "
                    "the data",
                    self.locate(kw.lineno, r"\b" + re.escape(kw.key) + r"\s*=", tag),
                    construct=f"{kw.key}=",
                    hint=f"write the text in the string itself, or pass {kw.key}= a value from "
                    "your data",
                )
            value = self.value(kw.value, tag)
            bindings.append((kw.key, value))
            if count_expr is not None and count is None and kw.value == count_expr:
                count = kw.key
        if count_expr is not None and count is None:
            # Jinja's newstyle ngettext gives the count the name `num` (and drops a trans
            # block's own `num=` binding for it): a string using %(num)s means the count.
            used = placeholders(msgid + "\x00" + (plural or ""))
            count = "num" if "num" in used and all(n != "num" for n, _ in bindings) else "count"
            bindings.append((count, self.value(count_expr, tag)))
        has_vars = bool(bindings)
        if not has_vars and from_block:
            # Jinja escapes % as %% in every trans block; gettext writes a placeholder-free string
            # as-is (no python-format), so "Save 50% off" stays "Save 50% off".
            msgid = msgid.replace("%%", "%")
            plural = plural.replace("%%", "%") if plural else None
        how = "{% trans NAME=… %}" if from_block else f'{name}("…", NAME=…)'
        self._check_placeholders(msgid, plural, bindings, pos, has_vars, how)
        return ir.Trans(
            msgid=msgid,
            plural=plural,
            context=context,
            bindings=tuple(bindings),
            count=count,
            comment=tag.comment if tag else None,
            pos=pos,
        )

    def _is_block(self, call: jn.Call) -> bool:
        """A gettext call made by a {% trans %} block (rather than written as _() in an output).

        The call's own tag is the next output or trans tag not yet taken; statement tags that
        are never taken (else, endif, endfor) lie in between.
        """
        for idx in range(self.cursor, len(self.tags)):
            tag = self.tags[idx]
            if tag.end_line < call.lineno or tag.kind == "{#":
                continue
            if tag.kind == "{{":
                return False
            if re.match(r"trans\b", tag.inner):
                return True
        return False

    def _skip_to_endtrans(self) -> None:
        for idx in range(self.cursor, len(self.tags)):
            tag = self.tags[idx]
            if tag.kind == "{%" and re.match(r"endtrans\b", tag.inner):
                self.cursor = idx + 1
                return

    def _check_placeholders(
        self,
        msgid: str,
        plural: str | None,
        bindings: list[tuple[str, ir.Value]],
        pos: ir.Pos,
        has_vars: bool,
        how: str,
    ) -> None:
        """`how` a value is passed, for hints: `_("…", NAME=…)`."""
        if not has_vars:
            if placeholders(msgid) or placeholders(plural or ""):
                used = placeholders(msgid + "\x00" + (plural or ""))[0]
                self.fail(
                    f"placeholder %({used})s has no value",
                    pos,
                    construct="translation string",
                    hint=f"pass it: {how.replace('NAME', used)}",
                )
            return
        names = {n for n, _ in bindings}
        for text in (msgid, plural or ""):
            if "%" in FORMAT_TOKEN_RE.sub("", text):
                self.fail(
                    f"invalid % in {text!r}",
                    pos,
                    construct="translation string",
                    hint="write a literal percent sign as %% when the string has placeholders",
                )
            for used in placeholders(text):
                if used not in names:
                    self.fail(
                        f"placeholder %({used})s has no value",
                        pos,
                        construct="translation string",
                        hint=f"pass it: {how.replace('NAME', used)}",
                    )


def example_call(keyword: GettextKeyword) -> str:
    """A call of `keyword` as a template writes it, for hints."""
    plural = len(keyword.messages) == 2
    args = []
    for at in range(1, keyword.strings + 1):
        if at == keyword.context:
            args.append('"button"')
        elif at == keyword.messages[0]:
            args.append('"%(num)s item"' if plural else '"Shop now"')
        elif at in keyword.messages:
            args.append('"%(num)s items"')
        else:
            args.append('"…"')
    return f"{keyword.name}({', '.join([*args, 'order.item_count'][: len(args) + plural])})"


def _blank(node: jn.Node) -> bool:
    """Whitespace only (comments are not in Jinja's tree)."""
    return isinstance(node, jn.Output) and all(
        isinstance(n, jn.TemplateData) and not n.data.strip() for n in node.nodes
    )


def merge_text(nodes: list[ir.Node]) -> ir.Body:
    """Adjacent texts joined, empty texts dropped."""
    out: list[ir.Node] = []
    run: list[ir.Text] = []  # adjacent non-empty texts, joined once (not pairwise: linear)

    def flush() -> None:
        if run:
            out.append(run[0] if len(run) == 1 else ir.Text("".join(t.text for t in run)))
            run.clear()

    for node in nodes:
        if isinstance(node, ir.Text):
            if node.text:
                run.append(node)
        else:
            flush()
            out.append(node)
    flush()
    return tuple(out)


def placeholders(text: str) -> list[str]:
    """The `%(name)s` placeholder names in a python-format string, in order of appearance
    (`%%(name)s` is a literal percent sign and text, not a placeholder)."""
    return [m.group(1) for m in FORMAT_TOKEN_RE.finditer(text) if m.group(1)]
