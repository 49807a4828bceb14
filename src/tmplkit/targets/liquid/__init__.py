"""The liquid target: one template for Shopify Liquid, LiquidJS and python-liquid.

The emitted template renders what the reference renders in all three engines; see
docs/targets/liquid.md for every construct and why it is written the way it is. In short:

* outputs are normalized into a scratch variable first (`plus: 0` / `round` turn an integral
  float such as 3.0 into 3, `capture` turns everything else into the engine's printed string,
  so `true` stays `true` even in python-liquid's `escape`), then filtered and `| escape`d;
* `default` is `{% if x == nil %}fallback{% else %}…{% endif %}` (Liquid's own `default`
  also replaces false, "" and empty lists); the fallback is computed at compile time;
* truthiness is spelled out (`x and x != 0 and x != empty`), `not` is pushed down to the
  comparisons, and a condition mixing `and` with `or` is split into assigned flags, so no
  tag depends on Liquid's right-to-left evaluation of `and`/`or`;
* `size`, `first`, `last` and `length` keys are read by looping over the object's entries
  (the engines otherwise answer them with a count or an element when the key is missing);
* literal `{{` and `{%` in text become `{{ "{" }}{` and `{{ "{" }}%`.

With the template's variable types, a string prints as `{{ x | escape }}`, a boolean is tested
as `{% if x %}`, a string or list by `x.size > 0`, a number against 0, a string in a URL
attribute is checked with `split`/`strip`/`downcase`/`contains` once per value, and a plural
count is compared as it is (or through one `round`, which also tells a decimal count and is
what the branches print), where all three engines print and test values of those types as the
reference does (docs/targets/liquid.md#typed-variables).

Scratch variables share a prefix (`tk_`, lengthened until no name the template reads starts
with it); Liquid's `assign` writes a global, so they never shadow the data.

The emitter is one class built from one base per responsibility, each a module here:
`writer` (scratch variables, setup tags, references), `plurals` (counts and their operands),
`conditions` (negation normal form, flags), `urls` (URL scheme checks), `format_filters` (CLDR
formatting written out in Liquid) and `emitter` (the template, outputs, ifs and loops);
`syntax` holds the pure text functions they share.
"""

from .emitter import LiquidEmitter
from .syntax import liquid_text, number, quotable, quote

__all__ = ["LiquidEmitter", "liquid_text", "number", "quotable", "quote"]
