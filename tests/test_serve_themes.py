"""Dyspatch's themes over a real `tmplkit serve` (uvicorn on loopback): a theme is a tmplkit
layout, listed and read in Dyspatch's ThemeRead shape, with Dyspatch's errors."""

from __future__ import annotations

from pathlib import Path

import httpx

import tmplkit
from tests.live_server import live_server


def test_layouts_are_served_as_themes(sample_project: Path) -> None:
    project = tmplkit.open_project(sample_project)
    base = project.layouts.create("Base", "The frame of every e-mail")
    brand = project.layouts.create("Brand")
    with live_server(project) as server:
        http = httpx.Client(base_url=server.url, headers=server.headers())
        listed = http.get("/themes")
        assert listed.status_code == 200
        assert listed.headers["content-type"] == "application/vnd.dyspatch.2026.06+json"
        body = listed.json()
        assert body["cursor"] == http.get("/blocks").json()["cursor"]  # one page: no next
        assert [t["id"] for t in body["data"]] == sorted([base.id, brand.id])
        one = http.get(f"/themes/{base.id}")
        assert one.status_code == 200
        assert one.json() == {
            "id": base.id,
            "name": "Base",
            "description": "The frame of every e-mail",
            "url": f"{server.url}/themes/{base.id}",
            "createdAt": base.created_at,
            "updatedAt": base.updated_at,
        }
        missing = http.get("/themes/lay_01m2zzzzzzzzzzzzzzzzzzzzzz")
        assert missing.status_code == 404
        assert missing.json()["code"] == "not_found"
        assert missing.json()["parameter"] == "themeId"
        bad = http.get("/themes/..%2fblocks")
        assert (bad.status_code, bad.json()["code"]) == (404, "not_found")  # no such route
        wrong = http.get(f"/themes/{'tem_01m2n5d9rf9y9x6nmxjjscqfn0'}")
        assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_parameter")
        assert "getTheme" in http.get("/openapi.json").text
