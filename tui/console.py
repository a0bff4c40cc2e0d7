"""Starting the console: config, language, which backend, then the App."""
from __future__ import annotations

import os
import sys

from tui.config import ConfigError, load_config_with_sources
from tui.i18n import detect_language, set_language, t


def run_console(*, server: str | None, debug: bool = False, lang: str | None = None, profile: str | None = None) -> int:
    try:
        config, sources = load_config_with_sources()
    except ConfigError as exc:
        print(t("config.invalid", problem=str(exc)), file=sys.stderr)
        return 2
    set_language(detect_language(lang, config.language))
    if config.keys:
        from tui.keymap import problems

        found = problems(config.keys, sources)
        if found:
            print(t("config.invalid", problem="\n".join(found)), file=sys.stderr)
            return 2

    from tui.last_server import LastServer
    from tui.profiles import ChooseProfile, from_profile, resolve
    from tui.secrets import TokenStore

    try:
        target = resolve(config, server, profile, last=LastServer().recall())
    except ConfigError as exc:
        print(t("config.invalid", problem=str(exc)), file=sys.stderr)
        return 2
    except ChooseProfile as exc:
        from screens.profiles import choose_profile

        chosen = choose_profile(config, exc.names)
        if chosen is None:
            return 0
        target = from_profile(config, chosen)
    tokens = TokenStore(token_file_allowed=config.token_file)
    credentials = None
    if target.url is None:
        from tui.embedded import DEMO_PASSWORD, DEMO_USERNAME, EmbeddedError, ensure_backend

        print(t("embedded.starting"), file=sys.stderr, flush=True)
        try:
            url = ensure_backend()
        except EmbeddedError as exc:
            print(t("embedded.failed", reason=str(exc)), file=sys.stderr)
            return 1
        credentials = (DEMO_USERNAME, DEMO_PASSWORD)
        token = None
        label = t("embedded.label")
    else:
        url = target.url
        token = tokens.get(url)
        label = target.label
    from tui.tls import TlsConfigError, tls_verification

    try:
        verify = tls_verification(target.ca_bundle)
    except TlsConfigError as exc:
        print(t("config.invalid", problem=str(exc)), file=sys.stderr)
        return 2
    prefetch = None
    if token:  # ask for the overview's figures now, while the rest loads
        from tui.prefetch import Prefetch

        prefetch = Prefetch(url, token, verify)
    from tui.client import VaxelClient

    client = VaxelClient(url, token, verify=verify)

    from tui.app import VaxelApp
    from tui.shutdown import Shutdown

    # SIGTERM, SIGHUP, or the terminal gone: the console ends in time, edits kept (issue 21).
    shutdown = Shutdown().install()
    driver_class = None
    if os.name == "posix":
        from tui.console_driver import console_driver

        driver_class = console_driver(shutdown)
    app = VaxelApp(
        client,
        tokens=None if credentials else tokens,
        server_label=label,
        credentials=credentials,
        wait_alert=config.wait_alert,
        theme=config.theme,
        keymap=config.keys,
        prefetch=prefetch,
        freeze_after_start=True,
        shutdown=shutdown,
        driver_class=driver_class,
    )
    # NO_COLOR is honoured by Textual itself (a monochrome filter); warnings
    # stay readable by their marks ("!", "⚠", "●").
    try:
        app.run()
    finally:
        shutdown.uninstall()
    return shutdown.finish(0)
