"""A model of Mandrill's own handlebars additions, to run tmplkit's Mandrill output in handlebars.js.

Mandrill's engine is not available, and handlebars.js cannot read its backtick comparisons. The
golden files pin the exact text; this model lets the tests also *render* it: `model(text)`
rewrites each backtick comparison into a helper call, and `MODEL_JS` registers that helper and
Mandrill's documented `upper` and `lower`. It models only what Mandrill's documentation shows
(https://mandrill.zendesk.com/hc/en-us/articles/205582537-Using-Handlebars-for-dynamic-content):
a path compared with a number or a double-quoted string (``{{#if `purchases > 3`}}``,
``{{#if `operating_system == "OS X"`}}``), and upper/lower of text. For a pair the documentation
does not show (a missing value, "2" or true against a number), the model says "not equal" —
what Mandrill does there is listed as a divergence in docs/targets/handlebars.md, not proven.
"""

from __future__ import annotations

import re

MODEL_JS = """\
function (Handlebars) {
  Handlebars.registerHelper('tk_backtick', function (value, op, literal) {
    var equal = typeof value === typeof literal && value === literal;
    return op === '==' ? equal : !equal;
  });
  function text(value) { return value === undefined || value === null ? '' : String(value); }
  Handlebars.registerHelper('upper', function (value) { return text(value).toUpperCase(); });
  Handlebars.registerHelper('lower', function (value) { return text(value).toLowerCase(); });
}
"""

# `path op literal`: tmplkit writes a bare path (relative to the context: the data, or the loop
# item), == or !=, and a number or a string without " ` \ { }.
BACKTICK_RE = re.compile(r"`(\S+) (==|!=) ([^`]+)`")


def model(text: str) -> str:
    """The Mandrill text with each backtick comparison as `(tk_backtick this.path "op" literal)`."""

    def call(m: re.Match[str]) -> str:
        path = m.group(1) if m.group(1) == "this" else "this." + m.group(1)
        return f'(tk_backtick {path} "{m.group(2)}" {m.group(3)})'

    return BACKTICK_RE.sub(call, text)
