"""compile --all: the sample project compiled into a tree with a manifest, incremental and all or
nothing; and a standalone text-only source compiled as its text part."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tmplkit
from tmplkit import compile_all as compile_all_module
from tmplkit.compile_all import Progress, compile_all, compile_project, part_file
from tmplkit.compiler import compile as compile_one

from .conftest import Result

Run = Callable[..., Result]

LOCALES = ["ar-EG", "de-DE", "en-US", "fr-FR", "ja-JP", "pl-PL"]
# Each published draft's parts, as the sample project has them.
PARTS = {
    "acme-shop/account/password-reset": ["subject", "html", "text", "sms"],
    "acme-shop/account/welcome": ["subject", "html"],
    "acme-shop/orders/order-confirmation": ["subject", "html", "sms"],
    "acme-shop/orders/shipping-notification": ["subject", "html", "sms", "push"],
}


def tree(template_parts: dict[str, list[str]], locales: list[str], ext: str) -> list[str]:
    return sorted(
        f"{path}/{lang}/{part}{ext}"
        for path, parts in template_parts.items()
        for lang in locales
        for part in parts
    )


def files_in(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def stats(directory: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and mtime: what a rewrite changes."""
    out = {}
    for name in files_in(directory):
        st = (directory / name).stat()
        out[name] = (st.st_ino, st.st_mtime_ns)
    return out


def manifest(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    return data


def test_part_file_names() -> None:
    assert part_file("jinja", "html") == "html.j2"
    assert part_file("liquid", "sms") == "sms.liquid"
    assert part_file("mandrillhandlebars", "subject") == "subject.hbs"
    assert part_file("sendgrid", "html") == "html.hbs"
    assert part_file("cheetah", "push") == "push.tmpl"
    assert part_file("ampscript", "html") == "html.amp"
    assert part_file("freemarker", "text") == "text.ftl"
    assert part_file("html", "html") == "html.html"
    assert part_file("html", "subject") == "subject.txt"


def test_jinja_tree_and_manifest(sample_project: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "build"
    result = run("compile", "--all", "-t", "jinja", "-o", out, cwd=sample_project)
    assert (result.code, result.err) == (0, "")
    expected = tree(PARTS, LOCALES, ".j2")
    assert len(expected) == 78
    assert files_in(out) == sorted([*expected, "manifest.json"])
    assert result.out.splitlines() == [
        *(f"written {name}" for name in expected),
        f"{out}: 78 written, 0 unchanged, 0 removed, 0 refused",
    ]
    data = manifest(out)
    assert [data["target"], data["sourceLocale"], data["locales"]] == ["jinja", "en-US", LOCALES]
    assert [t["template"] for t in data["templates"]] == sorted(PARTS)
    welcome = data["templates"][1]
    project = tmplkit.open_project(sample_project)
    template = project.templates.get("acme-shop/account/welcome")

    def files(lang: str) -> dict[str, dict[str, str]]:
        out_files = {}
        for part in ["subject", "html"]:
            name = f"acme-shop/account/welcome/{lang}/{part}.j2"
            digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
            out_files[part] = {"file": name, "sha256": digest}
        return out_files

    types = welcome.pop("variableTypes")
    assert [(t["path"], t["type"], t["required"]) for t in types] == [
        ("support_email", "string", True),
        ("unsubscribe_url", "string", True),
        ("user", "object", False),
        ("user.first_name", "string", False),
        ("user.plan", "string", False),
        ("user.trial", "boolean", False),
        ("user.trial_days", "number", False),
    ]
    assert welcome == {
        "template": "acme-shop/account/welcome",
        "templateId": "tem_01m2tk2hrwq2n4kgkyppv1bnkx",
        "draftId": "tdft_01m2tk2km6nk9x64j6mb5ps4nk",
        "name": template.name,
        "sender": "Acme Shop <no-reply@acme.example>",
        "replyTo": "Acme Support <support@acme.example>",
        "variables": [
            "support_email",
            "unsubscribe_url",
            "user.first_name",
            "user.plan",
            "user.trial",
            "user.trial_days",
        ],
        "locales": {lang: {"files": files(lang), "warnings": []} for lang in LOCALES},
        "refused": {},
    }


def test_each_file_is_what_compile_prints(sample_project: Path, tmp_path: Path) -> None:
    project = tmplkit.open_project(sample_project)
    out = tmp_path / "build"
    compile_all(project, "liquid", out, inline_formats=True)
    for path, parts in PARTS.items():
        for lang in ["en-US", "pl-PL"]:
            for part in parts:
                expected = compile_one(
                    path, "liquid", lang, project=project, part=part, inline_formats=True
                )
                assert (out / path / lang / f"{part}.liquid").read_text("utf-8") == expected


def test_the_manifest_is_deterministic(sample_project: Path, tmp_path: Path) -> None:
    project = tmplkit.open_project(sample_project)
    compile_all(project, "jinja", tmp_path / "a")
    compile_all(project, "jinja", tmp_path / "b")
    a, b = (tmp_path / "a/manifest.json").read_bytes(), (tmp_path / "b/manifest.json").read_bytes()
    assert a == b


def test_a_second_run_rewrites_nothing(sample_project: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "build"
    run("compile", "--all", "-t", "jinja", "-o", out, cwd=sample_project)
    before, directory = stats(out), out.stat().st_ino
    result = run("compile", "--all", "-t", "jinja", "-o", out, cwd=sample_project)
    assert (result.code, result.out, result.err) == (
        0,
        f"{out}: 0 written, 78 unchanged, 0 removed, 0 refused\n",
        "",
    )
    assert stats(out) == before
    assert out.stat().st_ino == directory  # not even the directory was switched
    assert sorted(p.name for p in tmp_path.iterdir()) == [".build.lock", "build", "sample"]


def test_a_changed_template_rewrites_only_its_files(
    sample_project: Path, tmp_path: Path, run: Run
) -> None:
    out = tmp_path / "build"
    run("compile", "--all", "-t", "jinja", "-o", out, cwd=sample_project)
    before = stats(out)
    subject = sample_project / "workspaces/acme-shop/account/password-reset/drafts/published"
    (subject / "sms.txt.j2").write_text("Reset: {{ reset.url }}\n", encoding="utf-8")
    result = run("compile", "--all", "-t", "jinja", "-o", out, cwd=sample_project)
    changed = [f"acme-shop/account/password-reset/{lang}/sms.j2" for lang in LOCALES]
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines() == [
        *(f"written {name}" for name in changed),
        f"{out}: 6 written, 72 unchanged, 0 removed, 0 refused",
    ]
    after = stats(out)
    assert (out / changed[0]).read_text("utf-8") == "Reset: {{ reset.url }}"
    assert sorted(n for n in after if after[n] != before[n]) == sorted([*changed, "manifest.json"])


def test_a_deleted_template_s_files_are_removed(
    sample_project: Path, tmp_path: Path, run: Run
) -> None:
    out = tmp_path / "build"
    run("compile", "--all", "-t", "jinja", "-o", out, cwd=sample_project)
    before = stats(out)
    (out / "README.md").write_text("build output\n", encoding="utf-8")  # not the manifest's
    shutil.rmtree(sample_project / "workspaces/acme-shop/account/welcome")
    result = run("compile", "--all", "-t", "jinja", "-o", out, cwd=sample_project)
    gone = tree({"acme-shop/account/welcome": PARTS["acme-shop/account/welcome"]}, LOCALES, ".j2")
    assert (result.code, result.err) == (0, "")
    assert result.out.splitlines() == [
        *(f"removed {name}" for name in gone),
        f"{out}: 0 written, 66 unchanged, 12 removed, 0 refused",
    ]
    after = stats(out)
    assert not (out / "acme-shop/account/welcome").exists()
    assert sorted(after) == sorted([*(set(before) - set(gone)), "README.md"])
    assert all(after[n] == before[n] for n in after if n not in ("manifest.json", "README.md"))
    assert (out / "README.md").read_text("utf-8") == "build output\n"
    assert [t["template"] for t in manifest(out)["templates"]] == [
        "acme-shop/account/password-reset",
        "acme-shop/orders/order-confirmation",
        "acme-shop/orders/shipping-notification",
    ]


MANDRILL_URLS = (
    "warning: workspaces/acme-shop/account/{}/drafts/published/body.html.j2: the "
    "mandrillhandlebars target cannot check the URL scheme of {} (hint: Mandrill has no string "
    "helpers; send only http, https, mailto, tel or sms URLs there, or compile for another target)"
)
PLURAL = (
    "error: {lang}: workspaces/acme-shop/account/{name}/drafts/published/body.html.j2:{pos}: the "
    "mandrillhandlebars target cannot express the {lang} plural rule, which needs % (hint: "
    "Mandrill's backtick comparisons have no arithmetic; choose the plural form before sending, "
    "or compile for a locale whose rule only compares the count, such as en, de or ja)"
)
DATE = (
    "error: {lang}: workspaces/acme-shop/orders/{name}/drafts/published/body.html.j2:{pos}: the "
    "mandrillhandlebars target cannot express format_date in {lang} (Mandrill cannot register "
    "helpers) (hint: format the value in your data and print it as it is, or pass "
    "--inline-formats to make the template read values the sender formats)"
)


def test_mandrill_writes_what_it_can_and_lists_every_refusal(
    sample_project: Path, tmp_path: Path, run: Run
) -> None:
    out = tmp_path / "build"
    result = run("compile", "--all", "-t", "mandrillhandlebars", "-o", out, cwd=sample_project)
    assert result.code == 1
    assert result.err.splitlines() == [
        MANDRILL_URLS.format("password-reset", "reset.url, unsubscribe_url"),
        MANDRILL_URLS.format("welcome", "unsubscribe_url"),
        *(
            PLURAL.format(lang=lang, name="password-reset", pos="48:16")
            for lang in ["ar-EG", "fr-FR", "pl-PL"]
        ),
        *(
            PLURAL.format(lang=lang, name="welcome", pos="41:29")
            for lang in ["ar-EG", "fr-FR", "pl-PL"]
        ),
        *(DATE.format(lang=lang, name="order-confirmation", pos="44:16") for lang in LOCALES),
        *(DATE.format(lang=lang, name="shipping-notification", pos="42:28") for lang in LOCALES),
    ]
    compiled = {k: v for k, v in PARTS.items() if k.startswith("acme-shop/account/")}
    expected = tree(compiled, ["de-DE", "en-US", "ja-JP"], ".hbs")
    assert files_in(out) == sorted([*expected, "manifest.json"])
    assert result.out.splitlines()[-1] == f"{out}: 18 written, 0 unchanged, 0 removed, 18 refused"
    data = manifest(out)
    order = data["templates"][2]
    assert (order["template"], order["locales"], order["variables"]) == (
        "acme-shop/orders/order-confirmation",
        {},
        None,
    )
    assert order["refused"]["fr-FR"] == DATE.format(
        lang="fr-FR", name="order-confirmation", pos="44:16"
    ).removeprefix("error: fr-FR: ")
    assert sorted(data["templates"][1]["refused"]) == ["ar-EG", "fr-FR", "pl-PL"]
    # The refusals stay refused on a second run, and nothing is rewritten.
    before = stats(out)
    again = run("compile", "--all", "-t", "mandrillhandlebars", "-o", out, cwd=sample_project)
    assert (again.code, again.err) == (1, result.err)
    assert stats(out) == before


@pytest.mark.parametrize(
    ("locale", "locales"), [("fr-FR", ["en-US", "fr-FR"]), ("de_de", ["de-DE", "en-US"])]
)
def test_one_locale_and_the_source(
    locale: str, locales: list[str], sample_project: Path, tmp_path: Path, run: Run
) -> None:
    out = tmp_path / "build"
    result = run(
        "compile", "--all", "-t", "jinja", "--locale", locale, "-o", out, cwd=sample_project
    )
    assert result.code == 0
    assert files_in(out) == sorted([*tree(PARTS, locales, ".j2"), "manifest.json"])
    assert manifest(out)["locales"] == locales


def test_a_locale_must_be_a_language_id(sample_project: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "build"
    bad = run("compile", "--all", "-t", "jinja", "--locale", "../x", "-o", out, cwd=sample_project)
    assert (bad.code, bad.out, bad.err) == (
        1,
        "",
        "error: '../x' is not a language id (hint: write it like fr-FR or es-419)\n",
    )
    assert not out.exists()


def test_a_template_that_cannot_be_read_is_refused_in_every_locale(
    sample_project: Path, tmp_path: Path, run: Run
) -> None:
    draft = sample_project / "workspaces/acme-shop/account/welcome/drafts/published"
    (draft / "body.html.j2").unlink()
    out = tmp_path / "build"
    result = run(
        "compile", "--all", "-t", "jinja", "--locale", "fr-FR", "-o", out, cwd=sample_project
    )
    reason = (
        'draft tdft_01m2tk2km6nk9x64j6mb5ps4nk ("Launch version") has no body'
        " (body.html.j2 or body.txt.j2)"
    )
    assert (result.code, result.err) == (1, f"error: en-US: {reason}\nerror: fr-FR: {reason}\n")
    assert result.out.splitlines()[-1] == f"{out}: 22 written, 0 unchanged, 0 removed, 2 refused"
    welcome = manifest(out)["templates"][1]
    assert (welcome["locales"], welcome["refused"]) == ({}, {"en-US": reason, "fr-FR": reason})


def test_json_summary(sample_project: Path, tmp_path: Path, run: Run) -> None:
    out = tmp_path / "build"
    run("compile", "--all", "-t", "jinja", "-o", out, cwd=sample_project)
    (out / "acme-shop/account/welcome/de-DE/subject.j2").write_text("edited", encoding="utf-8")
    result = run("compile", "--all", "-t", "jinja", "-o", out, "--json", cwd=sample_project)
    summary = json.loads(result.out)
    assert (result.code, summary["written"], summary["removed"], summary["refused"]) == (
        0,
        ["acme-shop/account/welcome/de-DE/subject.j2"],
        [],
        [],
    )
    assert (summary["target"], summary["directory"], len(summary["unchanged"])) == (
        "jinja",
        str(out),
        77,
    )


def test_another_target_replaces_the_tree(sample_project: Path, tmp_path: Path) -> None:
    project = tmplkit.open_project(sample_project)
    out = tmp_path / "build"
    compile_all(project, "jinja", out)
    _, changes = compile_all(project, "liquid", out, inline_formats=True)
    assert (len(changes.written), len(changes.removed)) == (78, 78)
    assert files_in(out) == sorted([*tree(PARTS, LOCALES, ".liquid"), "manifest.json"])


def test_a_directory_it_did_not_write_is_refused(
    sample_project: Path, tmp_path: Path, run: Run
) -> None:
    out = tmp_path / "src"
    out.mkdir()
    (out / "main.py").write_text("print()\n", encoding="utf-8")
    result = run("compile", "--all", "-t", "jinja", "-o", out, cwd=sample_project)
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"error: {out}: not empty and not written by compile --all (no manifest.json) "
        "(hint: pass a new or empty directory)\n"
    )
    assert files_in(out) == ["main.py"]


def test_a_failed_write_leaves_the_old_tree(
    sample_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmplkit.open_project(sample_project)
    out = tmp_path / "build"
    compile_all(project, "jinja", out)
    before = {name: (out / name).read_bytes() for name in files_in(out)}
    calls = []

    def full_disk(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real_write(path, data)

    real_write = compile_all_module._write_file
    monkeypatch.setattr(compile_all_module, "_write_file", full_disk)
    with pytest.raises(tmplkit.TmplkitError) as error:
        compile_all(project, "liquid", out)
    assert str(error.value) == f"no space left on device writing {out}"
    assert {name: (out / name).read_bytes() for name in files_in(out)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".build.lock", "build", "sample"]


def test_a_killed_switch_is_undone(sample_project: Path, tmp_path: Path) -> None:
    """Killed between its two renames, a run leaves the old tree aside: the next one puts it
    back before comparing, and removes a staged tree left over."""
    project = tmplkit.open_project(sample_project)
    out = tmp_path / "build"
    compile_all(project, "jinja", out)
    before = stats(out)
    out.rename(tmp_path / ".build.x1.old")
    (tmp_path / ".build.x2.staging").mkdir()
    _, changes = compile_all(project, "jinja", out)
    assert (len(changes.written), len(changes.unchanged)) == (0, 78)
    assert stats(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".build.lock", "build", "sample"]


def test_progress_counts_every_template_and_locale(sample_project: Path) -> None:
    calls: list[tuple[int, int]] = []
    project = tmplkit.open_project(sample_project)
    compile_project(project, "jinja", locale="de-DE", progress=lambda d, t: calls.append((d, t)))
    assert calls == [(i, 8) for i in range(1, 9)]


def test_progress_shows_after_a_second() -> None:
    stream = io.StringIO()
    progress = Progress(stream)
    progress(1, 8)
    assert stream.getvalue() == ""  # a run shorter than a second prints nothing
    progress.start -= 1.5
    progress(3, 8)
    progress.clear()
    assert stream.getvalue() == "\rcompiled 3/8\x1b[K\r\x1b[K"


# --- a standalone text-only source ------------------------------------------------------------


def test_a_text_only_source_compiles_its_text_part(tmp_path: Path, run: Run) -> None:
    (tmp_path / "notice.txt.j2").write_text(
        "Hello {{ user.name }}!\nYour {{ kind|upper }} notice.\n", encoding="utf-8"
    )
    result = run("compile", "notice.txt.j2", "-t", "jinja", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (
        0,
        "Hello {{ user.name }}!\nYour {{ kind|upper }} notice.\n",
        "",
    )
    result = run("compile", "notice.txt.j2", "-t", "liquid", "--part", "text", cwd=tmp_path)
    assert (result.code, result.err) == (0, "")
    assert result.out.startswith("Hello ")
    assert result.out.endswith(" notice.\n")
    html = run("compile", "notice.txt.j2", "-t", "jinja", "--part", "html", cwd=tmp_path)
    assert (html.code, html.err) == (1, "error: notice.txt.j2 has no html part\n")
    text = compile_one(str(tmp_path / "notice.txt.j2"), "handlebars")
    assert text.startswith("Hello {{")


def test_an_html_source_still_prints_its_html_part(tmp_path: Path, run: Run) -> None:
    (tmp_path / "hello.html.j2").write_text("<p>{{ name }}</p>\n", encoding="utf-8")
    result = run("compile", "hello.html.j2", "-t", "jinja", cwd=tmp_path)
    assert (result.code, result.out, result.err) == (0, "<p>{{ name }}</p>\n", "")


def test_usage_errors(sample_project: Path, run: Run) -> None:
    def err(*args: str) -> str:
        result = run("compile", *args, cwd=sample_project)
        assert result.code == 2
        return result.err.splitlines()[-1]

    assert err("--all", "-t", "jinja") == "Error: --all needs -o DIR"
    assert err("--all", "acme-shop/account/welcome", "-t", "jinja", "-o", "b") == (
        "Error: --all compiles every published template: no SOURCE, --draft or --part"
    )
    assert err("-t", "jinja") == "Error: missing SOURCE (or --all)"
    assert not os.path.exists(sample_project / "b")


def test_mandrill_with_inline_formats_lists_the_values_the_sender_formats(
    sample_project: Path, tmp_path: Path, run: Run
) -> None:
    """With --inline-formats the order e-mails compile for Mandrill, and the manifest lists, per
    locale, the companion fields the sender adds (Compiled.formatted)."""
    out = tmp_path / "build"
    result = run(
        "compile", "--all", "-t", "mandrillhandlebars", "--inline-formats", "-o", out,
        cwd=sample_project,
    )  # fmt: skip
    assert result.code == 1  # the plural rules with % (ar-EG, fr-FR, pl-PL) stay refused
    shipping = manifest(out)["templates"][3]
    assert shipping["template"] == "acme-shop/orders/shipping-notification"
    assert shipping["refused"] == {}
    assert shipping["locales"]["de-DE"]["formatted"] == [
        {
            "path": "shipment.estimated_delivery__date_full",
            "value": "shipment.estimated_delivery",
            "filter": "format_date",
            "format": "full",
            "currency": None,
            "currencyPath": None,
            "tz": None,
            "locale": "de-DE",
        }
    ]
    order = manifest(out)["templates"][2]
    assert sorted(order["locales"]) == ["de-DE", "en-US", "ja-JP"]
    assert [f["path"] for f in order["locales"]["ja-JP"]["formatted"]] == [
        "order.placed_on__date_long",
        "order.lines[].price__currency_order_currency",
        "order.shipping_cost__currency_order_currency",
        "order.total__currency_order_currency",
        "order.total__decimal_0_00",
    ]
    assert "formatted" not in manifest(out)["templates"][0]["locales"]["de-DE"]
