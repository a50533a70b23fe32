"""One HTML document with the stylesheets, scripts and data it links written into it.

For a page served from a single route with no folder of its own beside it: the GraphQL console
at `GET /graphql`, the vendor's path, under which the mock adds no routes of its own. The source
stays in separate files (HTML, CSS, JS, JSON); the browser gets one document, and a policy that
allows exactly the inline script and style written here, by their digests, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import re

from .package_files import PackageFiles

_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([\w.-]+)">')
_SCRIPT = re.compile(r'<script src="([\w.-]+)"></script>')
# Data for a script to read: `<script type="application/json" id="x" data-src="x.json">`.
_DATA = re.compile(r'(<script type="application/json" id="[\w-]+") data-src="([\w.-]+)"></script>')


def _digest(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _sources(digests: list[str]) -> str:
    return " ".join(digests) if digests else "'none'"


def _inside_script(text: str) -> str:
    """Text that cannot end the element it is written in (`</script>` inside it would)."""
    return text.replace("</", "<\\/")


def inline_page(files: PackageFiles, page: str) -> tuple[bytes, str]:
    """`page` from `files` with every file it links written in, and its Content-Security-Policy."""
    styles: list[str] = []
    scripts: list[str] = []

    def style(match: re.Match[str]) -> str:
        text = files.read(match[1]).decode()
        styles.append(_digest(text))
        return f"<style>{text}</style>"

    def script(match: re.Match[str]) -> str:
        text = _inside_script(files.read(match[1]).decode())
        scripts.append(_digest(text))
        return f"<script>{text}</script>"

    def data(match: re.Match[str]) -> str:
        return f"{match[1]}>{_inside_script(files.read(match[2]).decode())}</script>"

    html = files.read(page).decode()
    html = _DATA.sub(data, _SCRIPT.sub(script, _STYLESHEET.sub(style, html)))
    policy = (
        f"default-src 'none'; script-src {_sources(scripts)}; style-src {_sources(styles)}; "
        "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    return html.encode(), policy
