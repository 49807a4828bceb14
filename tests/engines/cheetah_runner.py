#!/usr/bin/env python3
"""Batch runner for Cheetah 3 (PyPI ``ct3``), see README.md.

Case: ``{"template": "...", "data": {...}}`` rendered as
``str(Template(source, searchList=[data]))`` -- stock settings.
stdin: JSON array of cases; stdout: JSON array of ``{"ok", "output"|"error"}``.
"""

import json
import sys
import warnings


def one_line(exc: BaseException) -> str:
    msg = f"{type(exc).__name__}: {exc}"
    msg = " | ".join(s.strip() for s in msg.splitlines() if s.strip())
    return msg if len(msg) <= 2000 else msg[:2000] + "..."


def main() -> int:
    cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    if not isinstance(cases, list):
        raise SystemExit("stdin must be a JSON array of cases")
    out = sys.stdout
    sys.stdout = sys.stderr  # the protocol owns stdout

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from Cheetah.Template import Template

    results = []
    for case in cases:
        try:
            if not isinstance(case, dict) or not isinstance(case.get("template"), str):
                raise ValueError('case has no "template" string')
            data = case.get("data")
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise ValueError('"data" must be a JSON object')
            output = str(Template(case["template"], searchList=[data]))
            results.append({"ok": True, "output": output})
        except Exception as exc:
            results.append({"ok": False, "error": one_line(exc)})

    out.buffer.write(json.dumps(results, ensure_ascii=False).encode("utf-8"))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
