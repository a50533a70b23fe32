"""Pages shipped inside the package and served as they are: the dashboard, the GraphQL console.

Read from the installed package (importlib.resources), so a wheel serves what a checkout does,
and once: the files never change while the mock runs. Only the names found in the folder are
served, so no path a client sends can reach any other file.
"""

from __future__ import annotations

from importlib import resources
from pathlib import PurePosixPath

from starlette.responses import Response

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}
# The pages are self-contained, and this tells the browser so: it then refuses anything that
# would load from, or send to, another origin, whatever a mistake in a page (or a job's text
# shown in it) might ask for. Scripts and styles come from the mock's own files only.
SAME_ORIGIN_ONLY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": SAME_ORIGIN_ONLY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # A page of a mock being developed against: always the one of the running version.
    "Cache-Control": "no-cache",
}


class PackageFiles:
    """The files of one folder of a package, by name."""

    def __init__(self, package: str, folder: str) -> None:
        root = resources.files(package).joinpath(folder)
        self._files = {
            entry.name: entry.read_bytes()
            for entry in root.iterdir()
            if entry.is_file() and PurePosixPath(entry.name).suffix in CONTENT_TYPES
        }

    def names(self) -> list[str]:
        return sorted(self._files)

    def read(self, name: str) -> bytes:
        return self._files[name]

    def response(self, name: str, policy: str = SAME_ORIGIN_ONLY) -> Response | None:
        """The file as an answer, or None when the folder has no such file."""
        body = self._files.get(name)
        if body is None:
            return None
        return file_response(body, CONTENT_TYPES[PurePosixPath(name).suffix], policy)


def file_response(body: bytes, content_type: str, policy: str = SAME_ORIGIN_ONLY) -> Response:
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": policy}
    return Response(body, headers=headers, media_type=content_type)
