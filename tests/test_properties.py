"""Property-based: random templates (from the portable subset, and garbage), random recipient
data and random translations, through write, import, render and every target's compile. Whatever
comes in, tmplkit answers with a result or a TmplkitError (one line), never another exception;
writes nothing outside the project; and gives the same output when asked twice."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import tmplkit
from tmplkit.errors import TmplkitError
from tmplkit.i18n.catalog import json_key
from tmplkit.i18n.workflow import extract, import_translations
from tmplkit.targets import TARGETS

NAMES = ["a", "b", "user", "items", "url", "count", "x"]
name = st.sampled_from(NAMES)
path = st.lists(name, min_size=1, max_size=3).map(".".join)
# Text between tags: anything but the delimiters' braces (garbage below covers those), with the
# characters targets treat specially ($, #, %, <, &, quotes, backslashes) and any script.
plain = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="{}"),
    max_size=12,
)
literal = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\'),
                  max_size=8)  # fmt: skip
URLS = ["https://example.com/a?b=1&c=2", "javascript:alert(1)", " JaVaScRiPt:alert(1)",
        "&#106;avascript:alert(1)", "vbscript:x", "data:text/html,<script>x</script>",
        "mailto:a@example.com", "/relative", "#top"]  # fmt: skip

output = st.one_of(
    path.map(lambda p: f"{{{{ {p} }}}}"),
    path.map(lambda p: f"{{{{ {p}|upper }}}}"),
    st.tuples(path, literal).map(lambda t: f'{{{{ {t[0]}|default("{t[1]}") }}}}'),
    path.map(lambda p: f"{{{{ {p}|escape }}}}"),
)
condition = st.one_of(
    path,
    path.map(lambda p: f"not {p}"),
    st.tuples(path, literal).map(lambda t: f'{t[0]} == "{t[1]}"'),
    st.tuples(path, st.integers(-3, 3)).map(lambda t: f"{t[0]} != {t[1]}"),
    st.tuples(path, path).map(lambda t: f"{t[0]} and {t[1]}"),
)


def bodies(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    piece = st.one_of(
        inner,
        st.tuples(condition, inner, inner).map(
            lambda t: f"{{% if {t[0]} %}}{t[1]}{{% else %}}{t[2]}{{% endif %}}"
        ),
        st.tuples(path, inner).map(
            lambda t: (
                f"{{% for item in {t[0]} %}}{t[1]}{{{{ item }}}}{{{{ loop.index }}}}{{% endfor %}}"
            )
        ),
        inner.map(lambda b: f'<p class="c">{b}</p>'),
        inner.map(lambda b: b + '{% include "blocks/footer" %}'),
        st.tuples(path, inner).map(lambda t: f'<a href="{{{{ {t[0]} }}}}">{t[1]}</a>'),
        st.tuples(path, inner).map(
            lambda t: f'<a href="https://x.example/{{{{ {t[0]} }}}}">{t[1]}</a>'
        ),
    )
    return st.lists(piece, max_size=3).map("".join)


leaf = st.one_of(plain, output)
trans = st.one_of(
    st.tuples(plain, path).map(
        lambda t: f"{{% trans name={t[1]} %}}{t[0]} {{{{ name }}}}!{{% endtrans %}}"
    ),
    st.tuples(plain, path).map(
        lambda t: (
            f"{{% trans count={t[1]} %}}one {t[0]}{{% pluralize %}}{{{{ count }}}} "
            f"{t[0]}{{% endtrans %}}"
        )
    ),
    plain.filter(lambda s: s.strip() and "%" not in s).map(
        lambda s: f"{{{{ _({json.dumps(s, ensure_ascii=len(s) % 2 == 0)}) }}}}"
    ),
)
template = st.recursive(st.one_of(leaf, trans), bodies, max_leaves=8)
# Constructs outside the subset, broken tags, sandbox escapes and Jinja's own syntax.
SNIPPETS = ["{% for x in a %}", "{% endfor %}", "{% if a %}", "{% endif %}", "{{", "}}", "{%",
            "%}", "{#", "#}", "{% raw %}", "{% endraw %}", "{% set x = 1 %}", "{% macro m() %}",
            "{{ a.__class__ }}", "{{ a|attr('x') }}", "{{ a[0] }}", "{{ a['k'] }}", "{{ 1 + 2 }}",
            "{{ a|safe }}", "{% include 'blocks/footer' %}", "{% include 'nope' %}",
            "{% trans %}", "{% endtrans %}", "{% pluralize %}", "{{ _('x') }}", "{{ x|bad }}",
            "{% extends 'layouts/base' %}", "{{ loop.index }}", "{{ a.b.c.d.e.f }}", "\x00",
            "\ufeff", "<a href='", "<script>", "${x}", "<%= x %>", "%%", "{{- a -}}"]  # fmt: skip
garbage = st.lists(
    st.one_of(st.sampled_from(SNIPPETS), st.text(alphabet="{}%#<>/\"' abcif=.|()\n", max_size=6)),
    max_size=12,
).map("".join)
source = st.one_of(template, template, template, garbage)

json_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=10),
        st.sampled_from(URLS),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(name, inner, max_size=4)),
    max_leaves=10,
)
data = st.dictionaries(name, json_value, max_size=5)
translation = st.one_of(
    plain,
    st.sampled_from(URLS),
    st.sampled_from(["%(name)s", "<b>%(name)s</b>", "%%", "{{ x }}", "{% if a %}", "${x}"]),
    st.tuples(plain, plain).map(lambda t: f"{t[0]} %(name)s {t[1]}"),
    st.tuples(plain, plain).map(lambda t: f"{t[0]} %(count)s {t[1]}"),
)


def snapshot(root: Path, skip: Path) -> dict[str, bytes]:
    """Every file under `root` but those under `skip`, with its bytes."""
    out = {}
    for file in root.rglob("*"):
        if file.is_file() and skip not in file.parents:
            out[str(file.relative_to(root))] = file.read_bytes()
    return out


def attempt(action: Any) -> Any:
    """The action's result, or its TmplkitError's one line; any other exception fails."""
    try:
        return action()
    except TmplkitError as exc:
        text = str(exc)
        assert "\n" not in text.strip() and "Traceback" not in text, text
        return ("error", type(exc).__name__, text)


def outcome(
    project: tmplkit.Project, template: str, draft: str, values: dict[str, Any], locale: str | None
) -> Any:
    def both() -> Any:
        message = tmplkit.Renderer(project).render(template, values, draft=draft, locale=locale)
        rendered = (message.subject, message.html, message.text, sorted(message.warnings))
        compiled = {}
        for target in sorted(TARGETS):
            compiled[target] = attempt(
                lambda t=target: tmplkit.compile(template, t, locale, project=project, draft=draft)
            )
        return rendered, compiled

    return attempt(both)


@settings(
    max_examples=int(os.environ.get("TMPLKIT_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(html=source, subject=st.one_of(trans, plain, garbage), footer=source, values=data,
       translations=st.lists(translation, min_size=1, max_size=6))  # fmt: skip
def test_random_templates_data_and_catalogs(
    html: str, subject: str, footer: str, values: dict[str, Any], translations: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        top = Path(tmp)
        outside = top / "outside"
        outside.mkdir()
        (outside / "keep.txt").write_text("untouched\n", "utf-8")
        project = tmplkit.init_project(top / "project")
        before = snapshot(top, top / "project")
        block = project.blocks.create("Footer")
        (block.dir / "block.html.j2").write_text(footer, "utf-8")
        (block.dir / "block.txt.j2").write_text(footer, "utf-8")
        workspace = project.workspaces.create("Shop")
        template = project.templates.create(workspace.id, "Welcome")
        draft = project.drafts.list(template.id)[0]
        for part, text in (("html", html), ("subject", subject)):
            attempt(lambda p=part, t=text: project.drafts.write_part(draft.id, p, t))
        slug = "shop/welcome"

        keys = attempt(lambda: extract(project, None))  # the template's keys and the block's
        if isinstance(keys, tuple):  # the template does not parse: a one-line error, fine
            event(f"does not parse: {keys[2][:60]}")
            first = outcome(project, slug, draft.id, values, None)
            assert outcome(project, slug, draft.id, values, None) == first
            assert snapshot(top, top / "project") == before
            return
        catalog = {
            json_key(key): translations[n % len(translations)]
            for n, key in enumerate(keys.messages)
        }
        po = top / "fr-FR.json"
        po.write_text(json.dumps(catalog, ensure_ascii=False), "utf-8")
        attempt(lambda: import_translations(project, "fr-FR", po))

        for locale in (None, "fr-FR"):
            first = outcome(tmplkit.open_project(project.root), slug, draft.id, values, locale)
            event("refused" if first[0] == "error" else "rendered")
            again = outcome(tmplkit.open_project(project.root), slug, draft.id, values, locale)
            assert again == first  # the same input, the same output
        assert snapshot(top, top / "project") == {**before, "fr-FR.json": po.read_bytes()}
