"""The `vaxel` command."""
from __future__ import annotations

import argparse
import gc
import os
import sys
import types
from pathlib import Path


class _VersionAction(argparse.Action):
    """--version, resolved only when asked for (importlib.metadata is slow to load)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):  # noqa: ANN001, A002
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):  # noqa: ANN001
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("vaxel")
        except PackageNotFoundError:
            number = "0+unknown"
        print(f"vaxel {number}")
        parser.exit()


EX_USAGE = 64

#: Values of PYDANTIC_DISABLE_PLUGINS with which pydantic looks for no plugin.
PLUGINS_OFF = ("__all__", "1", "true")


class _Deferred(types.ModuleType):
    """Stands in sys.modules for a module until it is used: then imports the
    real one (which takes its place) and hands every attribute over to it.
    `lazy` names functions that may be imported from it unused
    (`from m import f` binds a stand-in for `f` that loads `m` when called)."""

    def __init__(self, name: str, spec: object, lazy: tuple[str, ...]) -> None:
        super().__init__(name)
        self.__spec__ = spec  # type: ignore[assignment]
        for attr in lazy:
            setattr(self, attr, self._delegate(attr))

    def _delegate(self, attr: str):  # noqa: ANN202
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            return getattr(self._real(), attr)(*args, **kwargs)

        call.__name__ = call.__qualname__ = attr
        return call

    def _real(self) -> types.ModuleType:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        import importlib

        return importlib.import_module(self.__name__)

    def __getattr__(self, attr: str) -> object:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self._real(), attr)


def defer_plugin_metadata() -> None:
    """pydantic imports `importlib.metadata` (with `email`, `zipfile`, `csv`:
    ~1.4 MB of the console's memory, bench/live.md) only to look for plugins,
    which it does not do when PYDANTIC_DISABLE_PLUGINS turns them off: then the
    module comes when something uses it (`vaxel --version` does)."""
    name = "importlib.metadata"
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in PLUGINS_OFF or name in sys.modules:
        return
    import importlib
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is not None:
        # Also as the package's attribute, as an import sets it: code that
        # does `import importlib.metadata` then reads `importlib.metadata.x`.
        importlib.metadata = sys.modules[name] = _Deferred(name, spec, lazy=("entry_points",))  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """Usage errors exit 64 (EX_USAGE), apart from `vaxel status`'s 1 and 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EX_USAGE, f"{self.prog}: error: {message}\n")


def _server_url(text: str):  # noqa: ANN202 - a tui.server_url.ServerUrl
    """--server checked as the command line is read: a bad URL is a usage error (64)."""
    from tui.server_url import BadServerUrl, parse_server_url

    try:
        return parse_server_url(text)
    except BadServerUrl as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _global_options(parser: argparse.ArgumentParser, *, on_command: bool, server: bool = True) -> None:
    """--server, --profile, --lang and --debug, before or after the subcommand
    (as gh and kubectl take them). On a subcommand they default to SUPPRESS, so
    that one given before the subcommand is not overwritten by its absence after."""
    from tui.i18n import t

    unset = {} if on_command else {"default": argparse.SUPPRESS}
    if server:
        parser.add_argument("--server", metavar="URL", type=_server_url, help=t("cli.server"), **unset)
        parser.add_argument("--profile", metavar="NAME", help=t("cli.profile"), **unset)
    parser.add_argument("--lang", choices=["sv", "en"], help=t("cli.lang"), **unset)
    parser.add_argument("--debug", action="store_true", help=t("cli.debug"), **unset)


def build_parser() -> argparse.ArgumentParser:
    from tui.i18n import t

    parser = _Parser(
        prog="vaxel",
        description=t("cli.description"),
        epilog=t("cli.epilog"),
    )
    parser.add_argument("--version", action=_VersionAction, help=t("cli.version"))
    _global_options(parser, on_command=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help: str, description: str | None = None, *, server: bool = True) -> argparse.ArgumentParser:  # noqa: A002
        found = sub.add_parser(name, help=help, description=description or help)
        _global_options(found, on_command=False, server=server)
        return found

    serve = command("serve", t("cli.serve"), server=False)
    serve.add_argument("--host", default=None, help=t("cli.serve.host"))
    serve.add_argument("--port", type=int, default=None, help=t("cli.serve.port"))
    serve.add_argument("--database", metavar="URL", default=None, help=t("cli.serve.database"))
    serve.add_argument("--demo", action="store_true", help=t("cli.serve.demo"))
    serve.add_argument("--tls-cert", metavar="PEM", default=None, help=t("cli.serve.tls_cert"))
    serve.add_argument("--tls-key", metavar="PEM", default=None, help=t("cli.serve.tls_key"))
    serve.add_argument("--idle-exit", type=float, default=None, metavar="SECONDS", help=argparse.SUPPRESS)
    serve.add_argument("--ready-file", type=Path, default=None, help=argparse.SUPPRESS)
    serve.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)

    login = command("login", t("cli.login"))
    login.add_argument("--username", metavar="NAME", help=t("cli.login.username"))
    command("logout", t("cli.logout"))

    config = command("config", t("cli.config"), server=False)
    config_sub = config.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    _global_options(config_sub.add_parser("path", help=t("cli.config.path")), on_command=False, server=False)
    show = config_sub.add_parser("show", help=t("cli.config.show"))
    _global_options(show, on_command=False, server=False)
    show.add_argument("--reference", action="store_true", help=t("cli.config.reference"))

    status = command("status", t("cli.status"), t("cli.status.long"))
    status.add_argument("--json", action="store_true", help=t("cli.status.json"))

    export = command("export", t("cli.export"))
    export.add_argument("group", metavar="GROUP", help=t("cli.export.group"))
    export.add_argument("--format", choices=["json", "toml"], default=None, help=t("cli.export.format"))
    export.add_argument("-o", "--output", type=Path, metavar="FILE", default=None, help=t("cli.export.output"))

    apply = command("apply", t("cli.apply"), t("cli.apply.long"))
    apply.add_argument("file", type=Path, metavar="FILE", help=t("cli.apply.file"))
    apply.add_argument("--yes", "-y", action="store_true", help=t("cli.apply.yes"))

    command("keys", t("cli.keys"), server=False)
    return parser


def _early_language(argv: list[str]) -> None:
    """Pick the language before any text is made, so --help speaks it too."""
    from tui.i18n import detect_language, set_language

    lang = None
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    set_language(detect_language(lang))


def run() -> int | str | None:
    """The `vaxel` command: `main()` with the cyclic garbage collector off while
    the console starts. A start allocates hundreds of thousands of objects
    (modules, classes, the first screen) and hardly any garbage; the collector
    walked them again and again, ~15 % of the time to the first frame
    (bench/README.md, startup). The console turns it on once its first screen
    is up (`VaxelApp.start_session`); every other command at once."""
    gc.disable()
    try:
        try:
            code: int | str | None = main()
        except SystemExit as exc:  # --help, --version, usage errors: their output is flushed below too
            code = exc.code
        # A reader that has gone (`| head`) shows here, not at the interpreter's exit.
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        from tui.pipes import exit_as_if_by_sigpipe, output_closed

        if not output_closed():
            raise
        exit_as_if_by_sigpipe()
    finally:
        gc.enable()
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Vaxel uses no pydantic plugins; looking for them reads the metadata of every
    # installed package when the first model is built (~40 ms of each start).
    # A value the user set wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    _early_language(argv)
    args = build_parser().parse_args(argv)
    if args.command is not None:
        gc.enable()  # only the console's start runs without it (see run())
    if args.command == "serve":
        return _serve(args)
    _settle(args)
    server = None
    if getattr(args, "server", None) is not None:
        server = args.server.url
        if args.server.note():  # `host:port`: say which scheme was assumed
            print(args.server.note(), file=sys.stderr)
    if args.command is None:
        defer_plugin_metadata()
        from tui.console import run_console

        return run_console(server=server, debug=args.debug, lang=args.lang, profile=args.profile)
    try:
        return _script(args, server)
    except (BrokenPipeError, SystemExit):
        raise  # a reader gone (run() ends as by SIGPIPE); argparse's own exits
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a script never ends in a traceback
        import logging

        from tui.i18n import t
        from tui.logs import log_file

        logging.getLogger("vaxel.cli").exception("vaxel %s failed", args.command)
        print(t("cli.failed", problem=str(exc) or type(exc).__name__, log=str(log_file())), file=sys.stderr)
        return 1


def _script(args: argparse.Namespace, server: str | None) -> int:
    """The script commands (every one but the console and `serve`)."""
    if args.command == "config":
        from tui.config_cmd import run_config

        return run_config(args.config_action, getattr(args, "reference", False))
    if args.command == "login":
        from tui.account import run_login

        return run_login(server, args.profile, args.username)
    if args.command == "logout":
        from tui.account import run_logout

        return run_logout(server, args.profile)
    if args.command == "status":
        from tui.status import run_status

        return run_status(server, args.profile, args.json)
    if args.command == "export":
        from tui.export_apply import run_export

        return run_export(server, args.profile, args.group, args.format, args.output)
    if args.command == "apply":
        from tui.export_apply import run_apply

        return run_apply(server, args.profile, args.file, args.yes)
    from tui.keymap import print_keys

    return print_keys()


def _settle(args: argparse.Namespace) -> None:
    """Logs to the log dir (--debug, or `debug = true` in the config, makes them
    detailed), and the language of the config file where --lang and VAXEL_LANG
    say none."""
    from tui.config import ConfigError, load_config
    from tui.i18n import detect_language, set_language
    from tui.logs import setup_logging

    debug = args.debug
    try:
        config = load_config()
    except ConfigError:
        pass  # the command reports it
    else:
        debug = debug or config.debug
        set_language(detect_language(args.lang, config.language))
    setup_logging(debug)


def _serve(args: argparse.Namespace) -> int:
    from backend.config import ServerSettings
    from backend.server import run

    overrides = {
        key: value
        for key, value in {
            "host": args.host,
            "port": args.port,
            "database": args.database,
            "idle_exit_s": args.idle_exit,
            "tls_cert": args.tls_cert,
            "tls_key": args.tls_key,
        }.items()
        if value is not None
    }
    if args.demo:
        overrides["demo"] = True
    settings = ServerSettings(**overrides)
    import logging

    level = logging.DEBUG if args.debug else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run(settings, ready_file=args.ready_file, announce=not args.quiet)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run())
