"""A reader that stops reading: `vaxel status --json | head -3`.

Python ignores SIGPIPE (so that a socket closed by a server raises an error
instead of killing the process), which turns the Unix convention for a closed
pipe — the writer ends quietly, killed by SIGPIPE — into a BrokenPipeError
traceback and exit 1, which for `vaxel status` means "the server could not be
asked". The command turns SIGPIPE's default back on only at the end, for
itself: once the error has come from its own standard output or error, it
ends as if by SIGPIPE (status 141 in a shell), without a word.
No Textual here.
"""
from __future__ import annotations

import logging
import os
import select
import signal
import sys
from typing import NoReturn

def output_closed(fds: tuple[int, ...] = (1, 2)) -> bool:
    """Whether the standard output (or error) leads to a pipe no one reads any more."""
    from tui.terminal import GONE

    if not hasattr(select, "poll"):  # Windows: no way to ask; the error stands
        return False
    poller = select.poll()
    for fd in fds:
        poller.register(fd, 0)  # nothing asked for: only errors and hang-ups are reported
    return any(events & GONE for _fd, events in poller.poll(0))


def exit_as_if_by_sigpipe() -> NoReturn:
    """End now, as a process that wrote to a closed pipe does by default."""
    logging.shutdown()  # the log file is not the pipe: keep what was logged
    # Buffered output would be written again at exit, and fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError, AttributeError):
            pass
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)
    os._exit(128 + getattr(signal, "SIGPIPE", 13))  # where there is no SIGPIPE: its exit status
