"""The wheel carries the fixtures, the GraphQL schema and the pages (the dashboard, the GraphQL
console), and the package finds them there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_fixtures_and_schema(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = tmp_path.glob("mock_doitong-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    for expected in (
        "mockserver/graphql/schema.graphql",
        "mockserver/py.typed",
        "mockserver/_fixtures/accounts.json",
        "mockserver/_fixtures/plans.json",
        "mockserver/_fixtures/catalog.json",
        "mockserver/_fixtures/sample.mp4",
    ):
        assert expected in names
    for folder in ("mockserver/control/ui", "mockserver/graphql/console"):
        shipped = {name for name in names if name.startswith(folder + "/")}
        in_checkout = {
            f"{folder}/{path.name}" for path in (ROOT / folder).iterdir() if path.is_file()
        }
        assert shipped == in_checkout, folder
    # Imported from the unpacked wheel (not the checkout), the package must find its own copies.
    probe = (
        "import mockserver, mockserver.core.catalog as c, mockserver.graphql.schema as g;"
        "import mockserver.control.dashboard as d, mockserver.graphql.console as k;"
        "f = c.load_fixtures(); print(f.root); assert 'generateAvatar' in g.sdl();"
        "assert b'app.js' in d.Dashboard().files.read('index.html');"
        "assert b'YOUR_API_KEY' in k.Console().response().body"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); {probe}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "site" / "mockserver" / "_fixtures")
