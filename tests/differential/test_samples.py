"""Every sample template compiles to every target that can express it; the others refuse exactly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tmplkit.targets import TARGETS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [
    "orders/order-confirmation",
    "orders/shipping-notification",
    "account/password-reset",
    "account/welcome",
]
# Mandrill has no default helper, and its {{#if}} also hides "", 0 and false: every sample uses
# default("there") for the first name, so the mandrillhandlebars target refuses them all.
MANDRILL_REFUSALS = {
    "orders/order-confirmation": "drafts/published/body.html.j2:43:16",
    "orders/shipping-notification": "drafts/published/body.html.j2:38:16",
    "account/password-reset": "drafts/published/body.html.j2:40:16",
    "account/welcome": "drafts/published/subject.j2:1:1",
}


def compile_cli(path: str, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tmplkit", "compile", path, "--target", target, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_target_is_listed() -> None:
    assert TARGETS == [
        "ampscript",
        "cheetah",
        "freemarker",
        "handlebars",
        "handlebarsjava",
        "html",
        "jinja",
        "liquid",
        "mandrillhandlebars",
    ]


@pytest.mark.parametrize("target", [t for t in TARGETS if t != "mandrillhandlebars"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_sample_template_compiles(template: str, target: str) -> None:
    path = f"sample_templates/workspaces/acme-shop/{template}"
    result = compile_cli(path, target)
    assert (result.returncode, result.stderr) == (0, "")
    compiled = json.loads(result.stdout)
    assert compiled["target"] == target
    assert compiled["html"] and compiled["subject"]
    assert "{% trans" not in compiled["html"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_mandrill_refuses_default_in_the_samples(template: str) -> None:
    result = compile_cli(f"sample_templates/workspaces/acme-shop/{template}", "mandrillhandlebars")
    where = f"workspaces/acme-shop/{template}/{MANDRILL_REFUSALS[template]}"
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"error: {where}: the mandrillhandlebars target cannot express default() (hint: Mandrill "
        'has no default helper and its {{#if}} also hides "", 0, false and []; write '
        "{% if x %}{{ x }}{% else %}fallback{% endif %} if that is what you mean)\n"
    )
