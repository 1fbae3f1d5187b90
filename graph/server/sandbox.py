"""Query workers without a network: the lowest-level guard against a query that makes the server
fetch URLs (SERVICE, LOAD), below the check of the parsed query in :mod:`graph.server.protocol`.

On Linux a worker moves itself, before it opens the store or starts a thread, into a network
namespace of its own that holds only a loopback interface that is down: no connection can be
opened to any address, the host's loopback included. The pipe to the serving process is opened
before, so it still works. As root this needs nothing more; another user gets the namespace inside
a user namespace of its own (where the kernel allows unprivileged ones), mapped to the same user,
so the store's files are still that user's.
"""

from __future__ import annotations

import ctypes
import os
import sys

CLONE_NEWUSER = 0x10000000  #: from <sched.h>, as os.CLONE_NEWUSER (Python 3.12) has it
CLONE_NEWNET = 0x40000000


def _unshare(flags: int) -> None:
    unshare = getattr(os, "unshare", None)
    if unshare is not None:
        unshare(flags)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) != 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


def isolate_network() -> str | None:
    """Leave the host's network; None when done, else why it could not be done."""
    if not sys.platform.startswith("linux"):
        return "network namespaces need Linux"
    try:
        _unshare(CLONE_NEWNET)
        return None
    except OSError:
        pass  # not privileged: try inside a user namespace of our own
    uid, gid = os.getuid(), os.getgid()
    try:
        _unshare(CLONE_NEWUSER | CLONE_NEWNET)
    except OSError as exc:
        return f"the system allows no network namespace here ({exc.strerror})"
    try:  # be the same user inside as outside
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    except OSError as exc:
        return f"the user namespace could not be mapped ({exc.strerror})"
    return None
