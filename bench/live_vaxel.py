"""The real `vaxel` command as `bench/live.py` runs it in its `vaxel` mode.

    python -m bench.live_vaxel URL GROUP_ID

Signs in as the demo admin to get a token (`VAXEL_TOKEN`, as a script would),
then runs `tui.cli.run()` — the entry point `vaxel` is — with `--server URL`:
the same start (the collector off until the first screen, pydantic plugins
off, the config file, the token store). Once the overview is up, it opens the
group's live view as `l` on its row does (the row's place in the overview
depends on the sort, so the bench does not press keys to find it).
"""
from __future__ import annotations

import json
import os
import sys
import urllib.request


def _token(url: str) -> str:
    request = urllib.request.Request(
        f"{url}/api/v1/auth/token",
        data=json.dumps({"username": "admin", "password": "admin"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return json.load(response)["access_token"]


def main() -> int:
    url, group_id = sys.argv[1], int(sys.argv[2])
    os.environ["VAXEL_TOKEN"] = _token(url)
    import tui.app
    from tui.cli import run

    started = tui.app.VaxelApp.on_mount

    def on_mount(app: tui.app.VaxelApp) -> None:
        started(app)

        def open_view() -> None:
            if type(app.screen).__name__ == "OverviewScreen":
                opener.stop()
                app.open_group(group_id, live_only=True)

        opener = app.set_interval(0.1, open_view)

    tui.app.VaxelApp.on_mount = on_mount  # type: ignore[method-assign]
    sys.argv = ["vaxel", "--server", url, "--lang", "en"]
    return run()


if __name__ == "__main__":
    sys.exit(main())
