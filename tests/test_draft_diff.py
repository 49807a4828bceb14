"""`tmplkit draft diff ID [OTHER]`: the part files and the translations of two drafts as a
unified diff, --stat, --json, colour, and diff(1)'s exit codes (issue 20)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tmplkit.store.diff import diff_texts, stat_lines

from .conftest import ProjectEnv

Run = Callable[..., Any]
CATALOG = "locales/fr-FR/acme-shop/orders/order-confirmation.po"
FR_PO = (
    'msgid ""\nmsgstr ""\n"Language: fr-FR\\n"\n\n'
    'msgid "Subject"\nmsgstr "Objet"\n\n'
    'msgid "Your order"\nmsgstr "Votre commande"\n'
)


def two_drafts(project: ProjectEnv, run: Run) -> tuple[str, str]:
    """Draft 1 and a copy of it whose subject says "Your order" (fr-FR a project locale)."""
    root = project.root
    assert run("--project", root, "locale", "add", "fr-FR").code == 0
    (root / CATALOG).parent.mkdir(parents=True)
    (root / CATALOG).write_text(FR_PO, "utf-8")
    copy = project.project.drafts.create(project.template.id, project.draft.id, "Copy")
    project.project.drafts.write_part(copy.id, "subject", "{% trans %}Your order{% endtrans %}\n")
    return project.draft.id, copy.id


SUBJECT_DIFF = """\
--- a/subject.j2
+++ b/subject.j2
@@ -1 +1 @@
-{% trans %}Subject{% endtrans %}
+{% trans %}Your order{% endtrans %}
--- a/translations/fr-FR
+++ b/translations/fr-FR
@@ -1,2 +1,2 @@
-"Subject" → "Objet"
+"Your order" → "Votre commande"
 "Hello!" → (untranslated)
"""


def test_two_drafts_differ_in_a_part_and_its_translations(project: ProjectEnv, run: Run) -> None:
    first, copy = two_drafts(project, run)
    result = run("--project", project.root, "draft", "diff", copy, first)
    assert (result.code, result.out, result.err) == (1, SUBJECT_DIFF, "")


def test_the_same_content_exits_0_and_prints_nothing(project: ProjectEnv, run: Run) -> None:
    first = project.draft.id
    copy = project.project.drafts.create(project.template.id, first, "Copy").id
    result = run("--project", project.root, "draft", "diff", copy, first)
    assert (result.code, result.out, result.err) == (0, "", "")


def test_stat(project: ProjectEnv, run: Run) -> None:
    first, copy = two_drafts(project, run)
    result = run("--project", project.root, "draft", "diff", copy, first, "--stat")
    assert result.code == 1
    assert result.out == (
        " subject.j2         | 2 +-\n"
        " translations/fr-FR | 2 +-\n"
        " 2 files changed, 2 insertions(+), 2 deletions(-)\n"
    )


def test_json(project: ProjectEnv, run: Run) -> None:
    first, copy = two_drafts(project, run)
    result = run("--project", project.root, "draft", "diff", copy, first, "--json")
    assert result.code == 1
    data = json.loads(result.out)
    assert data["from"] == {"id": first, "name": "Draft 1", "templateId": project.template.id}
    assert data["to"] == {"id": copy, "name": "Copy", "templateId": project.template.id}
    assert data["different"] is True
    assert [(f["name"], f["status"], f["insertions"], f["deletions"]) for f in data["files"]] == [
        ("subject.j2", "modified", 1, 1),
        ("translations/fr-FR", "modified", 1, 1),
    ]
    assert "".join(f["diff"] for f in data["files"]) == SUBJECT_DIFF


def test_color_only_when_asked_or_on_a_terminal(project: ProjectEnv, run: Run) -> None:
    first, copy = two_drafts(project, run)
    plain = run("--project", project.root, "draft", "diff", copy, first)
    assert "\x1b[" not in plain.out  # stdout is no terminal here
    colored = run("--project", project.root, "draft", "diff", copy, first, "--color")
    assert colored.out.splitlines()[:5] == [
        "\x1b[1m--- a/subject.j2\x1b[m",
        "\x1b[1m+++ b/subject.j2\x1b[m",
        "\x1b[36m@@ -1 +1 @@\x1b[m",
        "\x1b[31m-{% trans %}Subject{% endtrans %}\x1b[m",
        "\x1b[32m+{% trans %}Your order{% endtrans %}\x1b[m",
    ]
    no_color = run("--project", project.root, "draft", "diff", copy, first, "--no-color")
    assert no_color.out == SUBJECT_DIFF


def test_a_part_only_one_draft_has(project: ProjectEnv, run: Run) -> None:
    first = project.draft.id
    copy = project.project.drafts.create(project.template.id, first, "Copy").id
    project.project.drafts.write_part(copy, "text", "Thanks!")  # no line end
    result = run("--project", project.root, "draft", "diff", copy, first)
    assert (result.code, result.out) == (
        1,
        "--- /dev/null\n+++ b/body.txt.j2\n@@ -0,0 +1 @@\n+Thanks!\n\\ No newline at end of file\n",
    )
    back = run("--project", project.root, "draft", "diff", first, copy)
    assert back.out == (
        "--- a/body.txt.j2\n+++ /dev/null\n@@ -1 +0,0 @@\n-Thanks!\n\\ No newline at end of file\n"
    )


def test_default_other_is_the_published_draft(sample_project: Path, run: Run) -> None:
    result = run("--project", sample_project, "draft", "diff", "tdft_01m6nf8m8xx9h83sqfyac5qdqp")
    assert result.code == 1
    assert result.out.startswith("--- a/body.html.j2\n+++ b/body.html.j2\n@@ -34,7 +34,7 @@\n")
    fr = result.out[result.out.index("--- a/translations/fr-FR") :]
    fr = fr[: fr.index("--- a/translations/de-DE")]
    assert [line for line in fr.splitlines() if line[:1] in "+-"] == [
        "--- a/translations/fr-FR",
        "+++ b/translations/fr-FR",
        '+"Welcome aboard, %(name)s, and happy holidays!" → '
        '"Bienvenue parmi nous, %(name)s, et joyeuses fêtes\u00a0!"',
        '-"Browse the new arrivals, picked by our team every week." → '
        '"Parcourez les nouveautés, sélectionnées chaque semaine par notre équipe."',
        '-[button] "Start shopping" → "Découvrir la boutique"',
        '+"Browse our holiday gift guide, picked by our team for every budget." → '
        '"Parcourez notre guide des cadeaux de fêtes, sélectionnés par notre équipe pour '
        'tous les budgets."',
        '+[button] "Shop holiday gifts" → "Découvrir les cadeaux"',
    ]
    stat = run(
        "--project", sample_project, "draft", "diff", "tdft_01m6nf8m8xx9h83sqfyac5qdqp", "--stat"
    )
    assert stat.out == (
        " body.html.j2       | 6 +++---\n"
        " translations/fr-FR | 5 +++--\n"
        " translations/de-DE | 5 +++--\n"
        " translations/pl-PL | 5 +++--\n"
        " translations/ja-JP | 5 +++--\n"
        " translations/ar-EG | 5 +++--\n"
        " 6 files changed, 18 insertions(+), 13 deletions(-)\n"
    )


def test_the_published_draft_alone_has_nothing_to_compare(sample_project: Path, run: Run) -> None:
    result = run("--project", sample_project, "draft", "diff", "tdft_01m2tk2km6nk9x64j6mb5ps4nk")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "error: draft tdft_01m2tk2km6nk9x64j6mb5ps4nk is the published draft of template "
        "tem_01m2tk2hrwq2n4kgkyppv1bnkx: nothing to compare it with (hint: name the draft to "
        "compare it with: tmplkit draft diff ID OTHER)\n"
    )


def test_no_published_draft_and_no_other(project: ProjectEnv, run: Run) -> None:
    result = run("--project", project.root, "draft", "diff", project.draft.id)
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"error: template {project.template.id} (Order confirmation) has no published draft "
        f"to compare draft {project.draft.id} with (hint: name the draft to compare it with: "
        "tmplkit draft diff ID OTHER)\n"
    )


def test_an_unknown_draft_exits_2(project: ProjectEnv, run: Run) -> None:
    result = run("--project", project.root, "draft", "diff", project.draft.id, "tdft_nope")
    assert (result.code, result.out, result.err) == (2, "", "error: no draft 'tdft_nope'\n")


def test_a_draft_that_does_not_parse_still_shows_its_parts(project: ProjectEnv, run: Run) -> None:
    first = project.draft.id
    copy = project.project.drafts.create(project.template.id, first, "Copy").id
    project.project.drafts.write_part(copy, "subject", "{% trans %}Oops\n")
    result = run("--project", project.root, "draft", "diff", copy, first)
    assert result.code == 1
    assert result.out == (
        "--- a/subject.j2\n+++ b/subject.j2\n@@ -1 +1 @@\n"
        "-{% trans %}Subject{% endtrans %}\n+{% trans %}Oops\n"
    )
    assert result.err.startswith(f"warning: {copy}: translations not compared: ")


def test_stat_scales_a_long_bar_and_keeps_a_small_change() -> None:
    diffs = diff_texts({"a": "", "b": "x\n"}, {"a": "".join(f"{n}\n" for n in range(200))})
    assert stat_lines(diffs, width=40) == [
        " a | 200 " + "+" * 30,  # 40 columns wide at most
        " b |   1 -",
        " 2 files changed, 200 insertions(+), 1 deletion(-)",
    ]
