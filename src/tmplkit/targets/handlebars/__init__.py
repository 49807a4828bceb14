"""The handlebars targets: handlebars.js (SendGrid-style), handlebars.java and Mandrill.

handlebars.js and handlebars.java share one language and one emitted text: plain handlebars plus
the small `tk_*` helpers (helpers_js.py), which give conditions, `default`, `upper` and `lower`
tmplkit's exact semantics (handlebars' own `{{#if}}` treats `{}` as true). With the template's
variable types, handlebars.js gets plain `{{v}}`, `{{#if v}}` and `{{#unless v}}` wherever
handlebars prints and tests values of those types as the reference does. Mandrill cannot
register helpers: it gets standard blocks, Mandrill's backtick comparisons and its built-in
`upper`/`lower`, and refuses what it has no way to say. docs/targets/handlebars.md explains
every choice.

The package: `helpers_js` (HELPERS_JS, the JavaScript source the sender registers, and the
helpers' names; the Java twin is in docs/targets/handlebars.md), `syntax` (expressions, literals
and escaping, pure), `emitter` (handlebars.js, with its typed forms), `java` (handlebars.java)
and `mandrill` (Mandrill, which SendGrid's target builds on).
"""

from .emitter import HandlebarsEmitter
from .helpers_js import HELPER_NAMES, HELPERS_JS
from .java import HandlebarsJavaEmitter
from .mandrill import MandrillHandlebarsEmitter
from .syntax import escaping, literal_text

__all__ = [
    "HELPERS_JS",
    "HELPER_NAMES",
    "HandlebarsEmitter",
    "HandlebarsJavaEmitter",
    "MandrillHandlebarsEmitter",
    "escaping",
    "literal_text",
]
