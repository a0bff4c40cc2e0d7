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

import http.client
import json
import os
import sys
from urllib.parse import urlsplit


def _token(url: str) -> str:
    # http.client, as the console's own start does (tui/prefetch.py).
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        body = json.dumps({"username": "admin", "password": "admin"})
        connection.request("POST", "/api/v1/auth/token", body, {"Content-Type": "application/json"})
        return json.loads(connection.getresponse().read())["access_token"]
    finally:
        connection.close()


def main() -> int:
    url, group_id = sys.argv[1], int(sys.argv[2])
    os.environ["VAXEL_TOKEN"] = _token(url)
    from tui.cli import PLUGINS_OFF, defer_plugin_metadata, run

    # What `main()` does before it imports the console, done here before the
    # import below (needed to hook the app's start).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", PLUGINS_OFF[0])
    defer_plugin_metadata()
    import tui.app

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
