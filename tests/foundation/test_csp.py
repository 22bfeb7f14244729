"""Content-Security-Policy (issue 11, finding 8): on every answer, 'self' only, no inline script or style.

The browser check (admin, portal, API docs log no violation) is tests/foundation/test_csp_browser.py;
this file checks the header and that no web page template carries inline script or style again."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

# rendered to PDF by WeasyPrint (never served to a browser): their <style> is fine
PDF_TEMPLATES = {
    "claims/statement.html",
    "funds/publication.html",
    "institutions/clearing.html",
    "maternity/letter.html",
    "accounts/receipt.html",
}
INLINE = re.compile(r"<style|<script(?![^>]*\bsrc=)|\sstyle=\"|\son[a-z]+=\"", re.I)


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/admin/login/", "/login/", "/api/docs/", "/api/v1/settlements/"])
def test_every_answer_carries_the_policy(client, url):
    policy = _policy(client.get(url))
    assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    # Swagger UI sets inline styles from its script: allowed on the docs page only
    assert policy["style-src"] == (["'self'", "'unsafe-inline'"] if url == "/api/docs/" else ["'self'"])
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]


def test_api_docs_load_swagger_from_this_site_not_a_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn.jsdelivr.net" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert not INLINE.search(page), INLINE.search(page)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    # no badge image from validator.swagger.io (another origin: the CSP would refuse it)
    assert '"validatorUrl": null' in script.content.decode()


def test_no_web_page_template_has_inline_script_or_style():
    roots = [Path(settings.BASE_DIR) / "templates"] + [
        path for path in Path(settings.BASE_DIR).glob("*/templates") if ".venv" not in path.parts
    ]
    found = []
    for root in roots:
        for path in root.rglob("*.html"):
            name = path.relative_to(root).as_posix()
            if name in PDF_TEMPLATES:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if INLINE.search(line):
                    found.append(f"{path}:{number}: {line.strip()[:80]}")
    assert not found, "inline script/style (the CSP refuses it; use a static file):\n" + "\n".join(found)


def test_no_python_module_writes_inline_script_or_style():
    """Admin display methods build HTML with format_html: no `style=` either (were 5, in 4 admins)."""
    base = Path(settings.BASE_DIR)
    found = []
    for path in base.glob("*/**/*.py"):
        parts = path.relative_to(base).parts
        if parts[0] in {".venv", "tests", "staticfiles", "media"} or "migrations" in parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"""<style|<script|\sstyle=['"]""", line):
                found.append(f"{path}:{number}: {line.strip()[:80]}")
    assert not found, "inline script/style (the CSP refuses it; use a class):\n" + "\n".join(found)
