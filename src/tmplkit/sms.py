"""`tmplkit.sms`, as docs/sms.md and docs/library.md name it: the module is tmplkit.message.sms."""

from .message.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SmsCount,
    SmsReport,
    SmsRow,
    encoding,
    length,
    measure,
    measure_sources,
    report,
    segments,
    show_char,
    show_chars,
    sms_costs,
    split,
)

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "SmsCount",
    "SmsReport",
    "SmsRow",
    "encoding",
    "length",
    "measure",
    "measure_sources",
    "report",
    "segments",
    "show_char",
    "show_chars",
    "sms_costs",
    "split",
]
