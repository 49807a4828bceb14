"""Catalogs: messages and their translations in memory; PO and JSON in and out (the checks of
translations against their source strings are in checks.py)."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polib
from babel.util import TextWrapper

from ..datafile import BOM, decode_utf8, loads
from ..errors import TmplkitError
from ..template.parse import placeholders
from .locales import PluralRule, display_name, plural_rule
from .pluralforms import PluralFormsError, map_forms, read_header

CONTEXT_SEP = "\x04"  # gettext's own separator, as po2json and Jed write keys with a context

Key = tuple[str | None, str]  # (context, msgid)
KEPT_HEADERS = ("POT-Creation-Date", "PO-Revision-Date", "Last-Translator", "Language-Team")


class CatalogError(TmplkitError):
    """A catalog file that cannot be read, or an import with problems (each one listed)."""

    def __init__(
        self, message: str, problems: list[Problem] | None = None, *, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems or []


@dataclass
class Problem:
    """One thing wrong with a translation file: what, and where (file:line, key, locale)."""

    message: str
    file: str
    line: int | None = None
    key: Key | None = None
    locale: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [where]
        if self.locale:
            parts.append(self.locale)
        if self.key is not None:
            parts.append(describe_key(self.key))
        return ": ".join(parts) + ": " + self.message


def describe_key(key: Key) -> str:
    context, msgid = key
    short = msgid if len(msgid) <= 60 else msgid[:57] + "..."
    return f"[{context}] {short!r}" if context else repr(short)


@dataclass
class Message:
    """A translatable string, and (in a locale's catalog) its translation."""

    msgid: str
    context: str | None = None
    plural: str | None = None
    translation: str = ""  # singular messages
    translations: list[str] = field(default_factory=list)  # plural messages, one per form
    fuzzy: bool = False
    previous_msgid: str | None = None
    obsolete: bool = False
    comments: list[str] = field(default_factory=list)  # extracted (translator) comments
    locations: list[tuple[str, int]] = field(default_factory=list)
    line: int | None = None  # where it stood in the file it was read from
    # For each plural form, the msgstr[] index of the file it was read from (see conform):
    # problems name the form the translator wrote.
    origin: list[int] | None = None

    @property
    def key(self) -> Key:
        return (self.context, self.msgid)

    @property
    def python_format(self) -> bool:
        """Only strings with placeholders are python-format (a plain "50% off" is not)."""
        return bool(placeholders(self.msgid) or placeholders(self.plural or ""))

    @property
    def translated(self) -> bool:
        if self.fuzzy or self.obsolete:
            return False
        if self.plural is not None:
            return bool(self.translations) and all(self.translations)
        return bool(self.translation)


@dataclass
class Catalog:
    """Messages keyed by (context, msgid), in order; for one locale, or a template (POT)."""

    locale: str | None = None
    messages: dict[Key, Message] = field(default_factory=dict)
    project: str = "tmplkit"
    # Header fields kept from the file read (PO-Revision-Date, Last-Translator, Language-Team).
    metadata: dict[str, str] = field(default_factory=dict)
    # As read from a PO file: its Plural-Forms and Language headers, the line of its header
    # entry, and what the reader found wrong in entries (escapes, msgid_plural with msgstr).
    plural_forms: str | None = None
    language: str | None = None
    header_line: int | None = None
    defects: list[Problem] = field(default_factory=list)
    from_json: bool = False  # JSON has no header: plural forms come in the locale's order
    # The forms the file's own rule chooses often (see pluralforms.often), once conformed.
    file_often: set[int] | None = None

    def add(self, message: Message) -> Message:
        existing = self.messages.get(message.key)
        if existing is None:
            self.messages[message.key] = message
            return message
        for loc in message.locations:
            if loc not in existing.locations:
                existing.locations.append(loc)
        for comment in message.comments:
            if comment not in existing.comments:
                existing.comments.append(comment)
        return existing

    def get(self, key: Key) -> Message | None:
        message = self.messages.get(key)
        return None if message is None or message.obsolete else message

    @property
    def active(self) -> list[Message]:
        return [m for m in self.messages.values() if not m.obsolete]

    @property
    def plural_rule(self) -> PluralRule:
        return plural_rule(self.locale or "en")


# --- PO -------------------------------------------------------------------------------------


def _decode(data: bytes | str, name: str) -> str:
    """UTF-8 text without its BOM; anything else is a CatalogError naming the line and the
    byte offset of the first bad byte (see tmplkit.datafile)."""
    if isinstance(data, str):
        return data.removeprefix(BOM)
    return decode_utf8(data, name, CatalogError)


def read_po(data: bytes | str, name: str, locale: str | None = None) -> Catalog:
    """A catalog from PO text; bad encoding or syntax is a CatalogError with file:line.

    What msgfmt refuses in an entry and polib lets through (an unknown escape, msgid_plural
    with a plain msgstr, msgstr[] indexes out of order) is kept in `defects`, for validate.
    """
    text = _decode(data, name)
    escapes = _check_po_strings(text, name)
    try:
        po = polib.pofile(text, encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise CatalogError(f"{name}{_polib_where(exc)}") from None
    catalog = Catalog(locale=locale or po.metadata.get("Language") or None)
    catalog.metadata = {k: v for k, v in po.metadata.items() if k in KEPT_HEADERS}
    catalog.plural_forms = po.metadata.get("Plural-Forms")
    catalog.language = po.metadata.get("Language")
    header = re.search(r'^msgid ""\s*$', text, re.M)
    catalog.header_line = text.count("\n", 0, header.start()) + 1 if header else None
    starts: list[tuple[int, Key | None]] = []
    for entry in po:
        if entry.obsolete:
            continue
        message = _from_entry(entry)
        if message.key in catalog.messages:
            raise CatalogError(
                f"{name}:{entry.linenum}: duplicate entry {describe_key(message.key)}"
            )
        catalog.add(message)
        starts.append((entry.linenum, message.key))
        for problem in _entry_defects(entry):
            catalog.defects.append(Problem(problem, name, entry.linenum, message.key))
    for line, escape in escapes:
        # the entry the line belongs to: the last one starting at or before it (or the header)
        before = [(start, key) for start, key in starts if start <= line]
        start, key = before[-1] if before else (catalog.header_line or line, None)
        catalog.defects.append(Problem(_escape_problem(escape), name, start, key))
    for entry in po.obsolete_entries():
        message = _from_entry(entry)
        message.obsolete = True
        catalog.messages.setdefault(message.key, message)
    return catalog


PO_STRING_LINE = re.compile(
    r"^(?:#~\s*)?(?:#\|\s*)?(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"
    r'(?:"(?:[^"\\]|\\.)*"\s*)+$'
)
QUOTED_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
ESCAPE_RE = re.compile(r"\\(x[0-9A-Fa-f]+|[0-7]{1,3}|.)")
# The escapes polib reads (and msgfmt): backslash, quote, n t r v b f.
READ_ESCAPES = frozenset('\\"ntrvbf')


def _check_po_strings(text: str, name: str) -> list[tuple[int, str]]:
    """msgfmt's checks that polib skips: every quoted string ends on its line (a syntax error
    otherwise); and the escapes in the strings of active entries that polib would not read,
    as (line, escape)."""
    escapes = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        body = re.sub(r"^(?:#~|#\|)\s*", "", stripped)
        if body.startswith(('"', "msgctxt", "msgid", "msgstr")) and not PO_STRING_LINE.match(
            stripped
        ):
            raise CatalogError(f"{name}:{number}: syntax error: unterminated or malformed string")
        if stripped.startswith(('"', "msgctxt", "msgid", "msgstr")):
            for quoted in QUOTED_RE.findall(stripped):
                for escape in ESCAPE_RE.findall(quoted):
                    if escape not in READ_ESCAPES:
                        escapes.append((number, "\\" + escape))
    return escapes


def _escape_problem(escape: str) -> str:
    if escape[1:] in ("a",) or escape[1:2] == "x" or escape[1:].isdigit():
        return (
            f"the escape {escape} is valid C but not read here (write the character itself; "
            'tmplkit reads \\n \\t \\r \\v \\b \\f \\" and \\\\)'
        )
    return f"unknown escape {escape} (a literal backslash is written \\\\)"


def _entry_defects(entry: polib.POEntry) -> list[str]:
    """What msgfmt refuses in a plural entry that polib reads anyway."""
    if not entry.msgid_plural:
        return []
    out = []
    if entry.msgstr:
        out.append(
            "msgid_plural with a plain msgstr (give one msgstr[N] per plural form, from msgstr[0])"
        )
    for position, index in enumerate(sorted(entry.msgstr_plural)):
        if index != position:
            out.append(f"msgstr[{index}] has the wrong index (msgstr[{position}] is missing)")
            break
    return out


def _polib_where(exc: Exception) -> str:
    """polib's message as `:LINE: message` (it puts the line at the end, in parentheses)."""
    text = str(exc)
    m = re.search(r"\s*\(line (\d+)\)", text)
    if m:
        return f":{m.group(1)}: {text[: m.start()]}"
    return f": {text}"


def _from_entry(entry: polib.POEntry) -> Message:
    plural = entry.msgid_plural or None
    translations = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)] if plural else []
    locations = []
    for path, line in entry.occurrences:
        try:
            locations.append((path, int(line)))
        except (TypeError, ValueError):
            locations.append((path, 0))
    return Message(
        msgid=entry.msgid,
        context=entry.msgctxt,
        plural=plural,
        translation=entry.msgstr if not plural else "",
        translations=translations,
        fuzzy="fuzzy" in entry.flags,
        previous_msgid=entry.previous_msgid,
        comments=[c for c in (entry.comment or "").split("\n") if c],
        locations=locations,
        line=entry.linenum,
    )


# Comments wrapped as pybabel and xgettext wrap them: 76 columns after the `#. `, and never
# inside a word (polib alone would break `seventy-six` at its hyphen, and a POT read back would
# then hold "seventy-" and "six" as two lines).
_COMMENT_WRAPPER = TextWrapper(width=76, break_long_words=False)


def _comment_lines(comments: list[str]) -> str | None:
    lines = [line.strip() for c in comments for line in _COMMENT_WRAPPER.wrap(c)]
    return "\n".join(lines) or None


def _to_entry(message: Message, template: bool, nplurals: int) -> polib.POEntry:
    entry = polib.POEntry(
        msgid=message.msgid,
        msgctxt=message.context,
        comment=_comment_lines(message.comments),
        occurrences=[(path, str(line)) for path, line in message.locations],
        obsolete=message.obsolete,
    )
    if message.plural is not None:
        entry.msgid_plural = message.plural
        forms = [""] * nplurals if template else list(message.translations)
        forms += [""] * (nplurals - len(forms))
        entry.msgstr_plural = dict(enumerate(forms[:nplurals] if template else forms))
    else:
        entry.msgstr = "" if template else message.translation
    if message.python_format:
        entry.flags.append("python-format")
    if message.fuzzy and not template:
        entry.flags.append("fuzzy")
        entry.previous_msgid = message.previous_msgid
    return entry


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M+0000")


def touch(catalog: Catalog) -> None:
    """Mark the catalog's translations as revised now (its PO-Revision-Date)."""
    catalog.metadata["PO-Revision-Date"] = _now()


def po_text(catalog: Catalog, *, template: bool = False) -> str:
    """The catalog as PO (or POT) text that `msgfmt -c` accepts."""
    po = polib.POFile(wrapwidth=79)
    rule = catalog.plural_rule
    po.metadata = {
        "Project-Id-Version": catalog.project,
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": catalog.metadata.get("POT-Creation-Date", _now()),
        "PO-Revision-Date": catalog.metadata.get("PO-Revision-Date", _now()),
        "Last-Translator": catalog.metadata.get("Last-Translator", "tmplkit"),
        "Language-Team": catalog.metadata.get(
            "Language-Team", display_name(catalog.locale) if catalog.locale else "none"
        ),
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": rule.header,
        "Generated-By": "tmplkit",
    }
    # A POT of strings with no known project says English, gettext's default source language.
    po.metadata["Language"] = catalog.locale or "en"
    po.header = "Translations of " + catalog.project if not template else catalog.project
    for message in catalog.messages.values():
        if message.obsolete and template:
            continue
        po.append(_to_entry(message, template, rule.count))
    return str(po) + "\n"


# --- JSON -----------------------------------------------------------------------------------


def json_key(key: Key) -> str:
    context, msgid = key
    return f"{context}{CONTEXT_SEP}{msgid}" if context else msgid


def read_json(data: bytes | str, name: str, locale: str | None = None) -> Catalog:
    """Dyspatch-style translations: `{"Hello %(name)s": "Bonjour %(name)s"}`.

    A key with a context is `context` + U+0004 + `msgid` (gettext's separator, as po2json and
    Jed write it); a plural message's value is the list of its forms.
    """
    text = _decode(data, name)
    try:
        raw = _JSON_DECODER.decode(text)
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        if isinstance(exc, _DuplicateKey):
            raise _duplicate(exc, text, name) from None
        loads(text, name, CatalogError)  # the same error, worded as for every JSON file
        raise  # pragma: no cover (loads raised)
    if not isinstance(raw, dict):
        raise CatalogError(f"{name}: expected a JSON object of source string → translation")
    catalog = Catalog(locale=locale, from_json=True)
    lines = _json_key_lines(text)
    for key, value in raw.items():
        context, _, msgid = key.rpartition(CONTEXT_SEP)
        message = Message(msgid=msgid, context=context or None, line=lines.get(key))
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            message.plural = ""  # filled from the source key when validated
            message.translations = list(value)
        elif isinstance(value, str):
            message.translation = value
        else:
            raise CatalogError(
                f"{name}:{lines.get(key, 0)}: {describe_key(message.key)}: the translation must "
                "be a string (or a list of strings for a plural)"
            )
        catalog.add(message)
    return catalog


class _DuplicateKey(ValueError):
    pass


def _duplicate(exc: _DuplicateKey, text: str, name: str) -> CatalogError:
    key = exc.args[0]
    encoded = json.dumps(key, ensure_ascii=False)
    seen = [m.start() for m in re.finditer(re.escape(encoded) + r"\s*:", text)]
    line = text.count("\n", 0, seen[1]) + 1 if len(seen) > 1 else 0
    where = f"{name}:{line}" if line else name
    return CatalogError(f"{where}: duplicate key {key!r}")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _refuse_constant(token: str) -> Any:
    raise ValueError(token)  # NaN, Infinity: reported by datafile.loads, with the position


_JSON_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)


def _json_key_lines(text: str) -> dict[str, int]:
    """The line each top-level key starts on (for messages), best effort."""
    lines: dict[str, int] = {}
    decoder = json.JSONDecoder()
    line, counted = 1, 0  # newlines are counted once, as the keys come: linear in the file
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"\s*:', text):
        try:
            key, _ = decoder.raw_decode(text, m.start())
        except json.JSONDecodeError:
            continue
        line += text.count("\n", counted, m.start())
        counted = m.start()
        if isinstance(key, str) and key not in lines:
            lines[key] = line
    return lines


def json_text(catalog: Catalog) -> str:
    """Translations as Dyspatch-style JSON (untranslated messages map to "")."""
    out: dict[str, Any] = {}
    for message in catalog.active:
        if message.plural is not None:
            out[json_key(message.key)] = list(message.translations)
        else:
            out[json_key(message.key)] = message.translation
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


def keys_list(catalog: Catalog) -> list[dict[str, Any]]:
    """The keys to translate, Dyspatch's localization keys: `[{"key": …, "comment": …}]`
    (and tmplkit's `context` and `plural` where a message has them)."""
    out = []
    for message in catalog.active:
        item: dict[str, Any] = {"key": message.msgid, "comment": "\n".join(message.comments)}
        if message.context:
            item["context"] = message.context
        if message.plural is not None:
            item["plural"] = message.plural
        out.append(item)
    return out


def keys_json(catalog: Catalog) -> str:
    """keys_list as the JSON file `tmplkit i18n extract --format json` writes."""
    return json.dumps(keys_list(catalog), ensure_ascii=False, indent=2) + "\n"


# --- a stored catalog's plural forms --------------------------------------------------------


def same_plural_forms(a: str, b: str) -> bool:
    """The same Plural-Forms, whatever its spacing and outer parentheses."""

    def squeeze(header: str) -> str:
        text = re.sub(r"\s+", "", header).rstrip(";")
        name, _, expr = text.partition("plural=")
        while expr.startswith("(") and expr.endswith(")") and _balanced_parens(expr[1:-1]):
            expr = expr[1:-1]
        return name + expr

    return squeeze(a) == squeeze(b)


def _balanced_parens(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def conform_stored(catalog: Catalog, locale: str, name: str) -> None:
    """A project's own catalog read by the locale's rule: one written with another rule (by an
    older tmplkit, or by hand) has its plural forms mapped as an import maps them; a rule that
    does not map is a CatalogError naming the file."""
    if catalog.plural_forms is None:
        return
    rule = plural_rule(locale)
    if same_plural_forms(catalog.plural_forms, rule.header):
        return
    try:
        mapping = map_forms(read_header(catalog.plural_forms), rule, locale)
    except PluralFormsError as exc:
        raise CatalogError(f"{name}:{catalog.header_line or 1}: {exc.message}") from None
    for m in catalog.messages.values():
        if m.plural is not None and len(m.translations) > max(mapping.forms):
            m.translations = [m.translations[i] for i in mapping.forms]


# --- merging --------------------------------------------------------------------------------


def merge(existing: Catalog, source: Catalog) -> Catalog:
    """`existing` brought up to the source's keys, as `msgmerge` and Babel's `Catalog.update` do.

    Unchanged keys keep their translation. A new key takes, as fuzzy and with the previous
    msgid kept (`#| msgid`), the translation of the closest translated msgid of the catalog
    (`fuzzy_donor`): one the source still has counts too, so that a string edited in a new
    draft starts from the translation of the published draft's. Removed keys become obsolete,
    but for those that gave a new key their translation (it lives on there, as in Babel).
    """
    out = Catalog(locale=existing.locale, project=existing.project, metadata=existing.metadata)
    unused = {k: m for k, m in existing.messages.items() if k not in source.messages}
    donors = fuzzy_donors(existing)
    donated: set[Key] = set()
    for key, src in source.messages.items():
        old = existing.messages.get(key)
        message = Message(
            msgid=src.msgid,
            context=src.context,
            plural=src.plural,
            comments=list(src.comments),
            locations=list(src.locations),
        )
        if old is not None and not old.obsolete:
            _copy_translation(old, message)
            message.fuzzy = old.fuzzy
            message.previous_msgid = old.previous_msgid if old.fuzzy else None
        elif (donor := fuzzy_donor(message, donors)) is not None:
            _copy_translation(donor, message)
            message.fuzzy = True
            message.previous_msgid = donor.msgid
            donated.add(donor.key)
        elif old is not None:  # an obsolete entry that came back
            _copy_translation(old, message)
            message.fuzzy = True
            message.previous_msgid = old.msgid
        out.messages[key] = message
    for key, old in unused.items():
        if key in donated and not old.obsolete:
            continue
        if old.translated or old.obsolete or old.fuzzy:
            gone = Message(
                msgid=old.msgid,
                context=old.context,
                plural=old.plural,
                translation=old.translation,
                translations=list(old.translations),
                obsolete=True,
            )
            out.messages[key] = gone
    return out


def fuzzy_donors(catalog: Catalog) -> dict[bool, dict[str, Message]]:
    """The messages a new key may take its translation from (see `fuzzy_donor`), by kind
    (plural or not), each under its msgid as compared: translated ones, as msgmerge takes
    only translations to guess from; the first of a msgid (several contexts) wins."""
    out: dict[bool, dict[str, Message]] = {False: {}, True: {}}
    for message in catalog.messages.values():
        if not message.obsolete and _has_translation(message):
            out[message.plural is not None].setdefault(message.msgid.lower().strip(), message)
    return out


def fuzzy_donor(message: Message, donors: dict[bool, dict[str, Message]]) -> Message | None:
    """The message whose translation a new `message` starts from, as Babel's `Catalog.update`
    chooses it: the closest msgid by difflib's ratio (at least 0.6), compared in lower case
    without outer spaces, whatever the context, among `fuzzy_donors` of the same kind."""
    kind = donors[message.plural is not None]
    close = difflib.get_close_matches(message.msgid.lower().strip(), list(kind), n=1)
    return kind[close[0]] if close else None


def _has_translation(message: Message) -> bool:
    return bool(message.translation or any(message.translations))


def _copy_translation(donor: Message, target: Message) -> bool:
    if (donor.plural is None) != (target.plural is None):
        return False
    target.translation = donor.translation
    target.translations = list(donor.translations)
    return bool(donor.translation or any(donor.translations))


def load(path: Path, locale: str | None = None) -> Catalog:
    """A PO or JSON catalog file, by its extension; a project's PO catalog of a locale is read
    by the locale's plural rule (conform_stored)."""
    data = path.read_bytes()
    if path.suffix == ".json":
        return read_json(data, str(path), locale)
    catalog = read_po(data, str(path), locale)
    if locale is not None:
        conform_stored(catalog, locale, str(path))
    return catalog
