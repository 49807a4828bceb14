"""The Dyspatch-compatible REST API over a project (`tmplkit serve`): Starlette on uvicorn.

- errors.py: Dyspatch's error bodies, and tmplkit's errors mapped to them;
- versions.py: the API version a request asks for (`Accept`), and what each version changes;
- keys.py, limits.py: API keys stored hashed under .tmplkit/, the per-key rate limit;
- shapes.py: the project's objects as Dyspatch's JSON objects;
- cache.py: compiled templates and prepared renders, kept by the content they are made of;
- routes/…: the endpoints; extensions.py: tmplkit's own endpoints (sources, for `sync pull`);
- openapi.py: the OpenAPI document of what is served;
- app.py: `create_app`, the Starlette application with its middleware.
"""
