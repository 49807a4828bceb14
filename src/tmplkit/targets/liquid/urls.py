"""URL checks in Liquid: a value printed where a URL starts becomes INERT_URL when a browser
might read an unsafe scheme in it (docs/targets/liquid.md#urls)."""

from __future__ import annotations

import string

from ...template import ir
from ...urls import DATA_IMAGE_TYPES, INERT_URL, SAFE_SCHEMES
from ..base import plan_filters, url_check_steps
from .syntax import LIQUID_FILTER
from .writer import LiquidWriter


class UrlChecks(LiquidWriter):
    """A string checked once per value (_url_var), any other value walked character by
    character as it prints (_url_checked)."""

    def _url_plain(
        self, ref: ir.Path, expr: str, filters: tuple[ir.Filter, ...], check: ir.UrlCheck
    ) -> str:
        """A string where a URL starts: `{{ tk_u1 | escape }}`, the variable holding the value
        or INERT_URL (see _url_var)."""
        steps = plan_filters(filters, self.html)[1]
        escape = " | escape" if steps and steps[-1] == "escape" else ""
        return "{{ " + self._url_var(ref, expr, filters, check) + escape + " }}"

    def _url_var(
        self, ref: ir.Path, expr: str, filters: tuple[ir.Filter, ...], check: ir.UrlCheck
    ) -> str:
        """A variable holding the string `expr` (after its filters, before escaping), or
        INERT_URL when a browser might read an unsafe scheme in it; written once per value
        where an earlier check of the same value is always run before.

        The scheme is decided by the text before the first `/`, `?`, `#` (and, in a value
        the template escapes, `&`): none of them can be in a scheme, so without a `:` before
        them there is none (a relative URL). Otherwise the text before the `:`, stripped and
        lower-cased, must be http, https, mailto, sms or tel, or data followed by an image
        type and `;base64,`. Stricter than urls.unsafe_scheme (docs/targets/liquid.md#urls):
        a tab, line break or control character before the `:`, and any other character that
        cannot be in a scheme, make the value INERT_URL even when the browser would read no
        scheme; in markup (`|safe`) an `&` before the `:` does too (Liquid cannot decode it).
        """
        steps, markup = url_check_steps(filters, self.html)
        chain = "".join(" | " + LIQUID_FILTER[s] for s in steps)
        key_of = (self.variable_path(ref), expr, chain, check.suffix, check.open, markup)
        blocks = tuple(self._blocks)
        found = self._urls.get(key_of)
        if found is not None and blocks[: len(found[1])] == found[1]:
            return found[0]
        var, head, key = self._tmp("u"), self._prefix + "h", self._prefix + "k"
        self._urls[key_of] = (var, blocks)
        text = var + (' | append: "' + check.suffix + '"' if check.suffix else "")
        cut = ' | split: "/" | first | split: "?" | first'
        test = head + ' contains ":"' + (" or " + head + ' contains "&"' if markup else "")
        schemes = "," + ",".join(sorted(SAFE_SCHEMES)) + ","
        images = "," + ",".join(DATA_IMAGE_TYPES) + ","
        self._setup.append(
            "{% assign " + var + " = " + expr + chain + " %}"
            "{% assign " + head + " = " + text + cut + " %}"
            "{% if " + test + " %}"
            "{% assign " + head + " = " + head
            + ' | split: ":" | first | strip | downcase | prepend: "," | append: "," %}'
            '{% unless "' + schemes + '" contains ' + head + " %}"
            # data:image/TYPE;base64, : the text before its first comma is cut down to TYPE
            # between two commas, which can only be at its ends (a cut that fails leaves one,
            # and no type in `images` is next to another comma).
            "{% assign " + head + " = " + text + ' | strip | downcase | split: "," %}'
            "{% assign " + key + " = " + head + '.first | prepend: "," | append: ","'
            ' | remove_first: ",data:image/" | remove_first: ";base64,"'
            ' | prepend: "," | append: "," %}'
            "{% unless " + head + '.size > 1 and "' + images + '" contains ' + key + " %}"
            "{% assign " + var + ' = "' + INERT_URL + '" %}{% endunless %}'
            "{% endunless %}{% endif %}"
        )  # fmt: skip
        return var

    def _url_checked(
        self, var: str, filters: tuple[ir.Filter, ...], check: ir.UrlCheck, shown: str
    ) -> str:
        """`shown`, or INERT_URL when the printed value would give its URL an unsafe scheme.

        Liquid has no regular expressions: the check walks the printed text (plus the
        check's suffix) one character at a time, as urls.unsafe_scheme reads it: tabs and line
        breaks are skipped anywhere (`url_decode` gives them without writing them), blanks and
        control characters before the scheme, scheme letters are collected up to the `:`, and
        the scheme is compared with the allowed ones; `data:` must go on with an image type
        and `;base64,`. Liquid cannot decode character references: in markup (`|safe`) an `&`
        before the scheme is decided is refused instead.
        """
        steps, markup = url_check_steps(filters, self.html)
        p = self._prefix + "url"
        text, ok, state, scheme, last, i, c = (p, p + "_ok", p + "_st", p + "_s", p + "_n",
                                               p + "_i", p + "_c")  # fmt: skip
        tab, lf, cr = p + "_tab", p + "_lf", p + "_cr"
        chain = "".join(" | " + LIQUID_FILTER[s] for s in steps)
        allowed = " or ".join(f'{scheme} == "{s}"' for s in sorted(SAFE_SCHEMES))
        images = " or ".join(f'{scheme} == "image/{t};base64,"' for t in DATA_IMAGE_TYPES)
        out = (
            "{% capture " + text + " %}{{ " + var + chain + " }}" + check.suffix
            + "{% endcapture %}"
            "{% assign " + ok + " = true %}{% assign " + state + " = 0 %}"
            "{% assign " + scheme + ' = "" %}'
            "{% assign " + last + " = " + text + ".size | minus: 1 %}"
            "{% assign " + tab + ' = "%09" | url_decode %}{% assign ' + lf
            + ' = "%0A" | url_decode %}{% assign ' + cr + ' = "%0D" | url_decode %}'
            "{% for " + i + " in (0.." + last + ") %}"
            "{% assign " + c + " = " + text + " | slice: " + i + " %}"
            "{% if " + c + " == " + tab + " or " + c + " == " + lf + " or " + c + " == " + cr
            + " %}{% continue %}{% endif %}"
            # after data: the type, up to its comma
            "{% if " + state + " == 2 %}{% assign " + scheme + " = " + scheme + " | append: "
            + c + " %}{% if " + c + ' == "," or ' + scheme + ".size > 18 %}{% break %}"
            "{% endif %}{% continue %}{% endif %}"
            "{% if " + state + " == 0 and " + c + ' <= " " %}{% continue %}{% endif %}'
            + ("{% if " + c + ' == "&" %}{% assign ' + ok + " = false %}{% break %}{% endif %}"
               if markup else "")
            + '{% if "' + string.ascii_letters + '" contains ' + c + " %}"
            "{% assign " + scheme + " = " + scheme + " | append: " + c + " %}"
            "{% assign " + state + " = 1 %}{% continue %}{% endif %}"
            "{% if " + state + ' == 1 and "0123456789+.-" contains ' + c + " %}"
            "{% assign " + scheme + " = " + scheme + " | append: " + c + " %}{% continue %}"
            "{% endif %}"
            "{% if " + state + " == 1 and " + c + ' == ":" %}'
            "{% assign " + scheme + " = " + scheme + " | downcase %}"
            "{% if " + allowed + " %}{% break %}{% endif %}"
            "{% if " + scheme + ' == "data" %}{% assign ' + state + " = 2 %}"
            "{% assign " + scheme + ' = "" %}{% continue %}{% endif %}'
            "{% assign " + ok + " = false %}{% break %}{% endif %}"
            + ("{% if " + c + ' == ":" %}{% assign ' + ok + " = false %}{% endif %}"
               if check.open else "")
            + "{% break %}{% endfor %}"
            "{% if " + state + " == 2 %}{% assign " + scheme + " = " + scheme + " | downcase %}"
            "{% unless " + images + " %}{% assign " + ok + " = false %}{% endunless %}"
            "{% endif %}"
        )  # fmt: skip
        return out + "{% if " + ok + " %}" + shown + "{% else %}" + INERT_URL + "{% endif %}"
