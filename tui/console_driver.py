"""Textual's Linux driver, told when the terminal has gone (issue 21).

Textual 8.2.8's `LinuxDriver` reads the terminal in a thread
(`run_input_thread`): select() on standard input, then os.read(). An empty
read — which is what a terminal whose other end has closed returns, at once,
every time — it takes for "no input yet" and loops, so the thread spins
until the app exits, and nothing tells the app. A failed read (EIO) ends the
thread with an exception, which Textual turns into `App.panic` (a traceback
printed to the dead terminal). Its output thread (`WriterThread`) writes to
`sys.__stderr__`; a failed write (EIO, EPIPE) ends that thread with an
exception, after which the app's writes pile up in its bounded queue and
block once it is full. Textual offers no hook for any of these.

This subclass uses the driver's public surface only: it starts a
`TerminalWatch` on the descriptors the driver reads and draws on when
application mode starts (`start_application_mode`) and stops it when that
mode stops; a hang-up sets the driver's public `exit_event` (the input
thread's own stop flag) through `Shutdown`. A read that fails with a
terminal's error ends `run_input_thread` quietly instead of as a panic. The
output thread's failure reaches `Shutdown` through `threading.excepthook`.

What Textual lacks, and this works around: a way for an app to learn that its
driver's input reached end of file or failed (an event such as
`TerminalClosed`), and a writer that reports a failed write instead of dying.
"""
from __future__ import annotations

import sys

from textual.drivers.linux_driver import LinuxDriver

from tui.shutdown import Shutdown


def console_driver(shutdown: Shutdown) -> type[LinuxDriver]:
    """A LinuxDriver class that tells `shutdown` when its terminal has gone."""

    class ConsoleDriver(LinuxDriver):
        def start_application_mode(self) -> None:
            super().start_application_mode()
            output = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
            shutdown.watch(self.fileno, [output], stop_input=self.exit_event.set)

        def stop_application_mode(self) -> None:
            shutdown.unwatch()
            super().stop_application_mode()

        def run_input_thread(self) -> None:
            try:
                super().run_input_thread()
            except OSError as exc:
                if not shutdown.input_failed(exc):
                    raise

    return ConsoleDriver
