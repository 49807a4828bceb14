"""Knowing that nothing in the project changed without a `stat` per file: Linux's inotify.

`Watcher(root, trees)` watches `root` itself and every directory below the `trees` (those the
server's fingerprints read: workspaces/, blocks/, layouts/, locales/; dot-directories left out,
as the store leaves them out). `generation()` reads the events the kernel queued since the last
call and returns a number that grows whenever one was queued: while it is the same, no file or
directory in the watched trees was written, created, removed or renamed. The kernel queues an
event before the write, rename or unlink that causes it returns, so a change another process
finished before a request arrived is seen by that request.

A directory created, moved or removed below the trees, an overflowing queue, or a watch the
kernel dropped makes the watcher watch everything afresh (and the generation grow): rare, and
correct whatever happened meanwhile, since the caller checks the files themselves once the
generation has grown.

Called in a running asyncio event loop (the server's), a watcher hands its descriptor to the
loop, which reads the events as it finds them queued (and sets the watches up again, in its own
thread only); `generation()` then costs no system call. The promise above holds: a
request's bytes are found by a pass of the loop that waited after they arrived, so after any
change finished before that, whose event that pass finds queued too; and the loop runs the
callbacks of a pass's readers (this one's among them) before the tasks they start (the
request's: uvicorn starts it as a task). A watcher whose loop has stopped looks for itself.

A process forked from one with watchers (`serve --workers`) sets each up afresh on its first
call: the inherited descriptor is the parent's queue, and a read in one process would take the
events from the other.

Where inotify cannot tell (not Linux, a network or FUSE file system whose changes may come from
another machine, no watches left), `start` returns None and the caller checks every file on
every request, as it would without a watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import errno
import os
import select
import struct
import sys
import threading
import weakref
from collections.abc import Iterable

IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_ISDIR = 0x40000000
IN_NONBLOCK = os.O_NONBLOCK
IN_CLOEXEC = os.O_CLOEXEC

MASK = (
    IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
    | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW
)  # fmt: skip
# Events after which the watches are set up again: the tree's shape changed, or the kernel
# dropped events or a watch.
RESHAPE = IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF
DIRECTORY_CHANGES = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO
EVENT = struct.Struct("iIII")  # wd, mask, cookie, len (then len bytes of name)

# statfs f_type of file systems whose files may change on another machine, unseen by inotify
REMOTE = frozenset(
    {
        0x6969,  # NFS
        0x517B,  # SMB
        0xFE534D42,  # SMB2
        0xFF534D42,  # CIFS
        0x65735546,  # FUSE (sshfs, …)
        0x01021997,  # 9p (WSL, containers' shared folders)
        0x564C,  # NCP
        0x47504653,  # GPFS
        0x0BD00BD0,  # Lustre
        0x00C36400,  # Ceph
    }
)


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.inotify_init1.argtypes = [ctypes.c_int]
        libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        return libc
    except (OSError, AttributeError):
        return None


class _StatFs(ctypes.Structure):
    # struct statfs on 64-bit Linux: f_type comes first; the rest is room for the kernel.
    _fields_ = [("f_type", ctypes.c_long), ("rest", ctypes.c_byte * 128)]


def remote(path: str, libc: ctypes.CDLL) -> bool:
    """Whether `path` is on a network or FUSE file system (True when it cannot be told)."""
    buf = _StatFs()
    try:
        if libc.statfs(os.fsencode(path), ctypes.byref(buf)) != 0:
            return True
    except AttributeError:
        return True
    return (buf.f_type & 0xFFFFFFFF) in REMOTE


class Watcher:
    """A change counter for `root` and the directory trees below it named `trees`."""

    def __init__(self, libc: ctypes.CDLL, root: str, trees: tuple[str, ...]) -> None:
        self._libc = libc
        self.root = root
        self.trees = trees
        self._lock = threading.Lock()
        self._generation = 0
        self._fd = -1
        self._forked = False  # set in a forked child: set up afresh on the next call
        self._poll = select.poll()  # tells whether the kernel queued events: no read, no raise
        self._finalizer: weakref.finalize[[int], Watcher] | None = None  # closes the fd
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop that reads the events
        self._setup()
        _LIVE.add(self)

    @classmethod
    def start(cls, root: str, trees: Iterable[str]) -> Watcher | None:
        """A watcher of `root`, or None where inotify cannot tell every change (see above)."""
        libc = _libc()
        if libc is None or remote(root, libc):
            return None
        try:
            return cls(libc, root, tuple(trees))
        except OSError:
            return None

    def generation(self) -> int | None:
        """A number that grows with every change since the last call; None once the watcher
        has failed (the caller then checks the files itself). While the loop it was first
        called in runs, that loop reads the events, in its thread only (a worker thread of a
        request that writes gets what the loop read before it started the request)."""
        loop = self._loop
        if loop is not None and loop.is_running():
            return self._generation if self._fd >= 0 else None  # the loop reads the events
        running = asyncio._get_running_loop()  # this thread's (it calls getpid(): not above)
        with self._lock:
            if loop is not None and self._loop is loop:  # its loop stopped
                self._detach()
            if self._forked:
                self._forked = False
                try:
                    self._setup()
                except OSError:
                    self._fail()
                    return None
                self._generation += 1
            if self._fd < 0:
                return None
            try:
                queued = bool(self._poll.poll(0))  # one cheap call, no read, no raise
            except OSError:
                self._fail()
                return None
            if queued and not self._read_events():
                return None
            if running is not None and self._loop is None:
                self._attach(running)
            return self._generation

    def _read_events(self) -> bool:
        """Read what the kernel queued, counting it (lock held); False once failed."""
        reshape = False
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            except OSError:
                self._fail()
                return False
            self._generation += 1
            offset = 0
            while offset < len(data):
                _wd, mask, _cookie, size = EVENT.unpack_from(data, offset)
                name = data[offset + EVENT.size : offset + EVENT.size + size]
                offset += EVENT.size + size
                if mask & RESHAPE or (
                    mask & IN_ISDIR
                    and mask & DIRECTORY_CHANGES
                    and not name.startswith(b".")  # a transaction's staging: not watched
                ):
                    reshape = True
        if reshape:
            try:
                self._setup()
            except OSError:
                self._fail()
                return False
            self._generation += 1
        return True

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Have `loop` (running in this thread) read the events from now on (lock held).
        What is queued meanwhile is read by the loop's next pass, before any request it finds:
        a request read in this pass arrived before the change, which it need not see."""
        try:
            loop.add_reader(self._fd, self._on_readable)
        except (NotImplementedError, RuntimeError, ValueError, OSError):
            return  # a loop without readers (Windows' proactor): this watcher reads itself
        self._loop = loop

    def _detach(self) -> None:
        """Read for itself again (lock held)."""
        loop, self._loop = self._loop, None
        if loop is not None and self._fd >= 0 and not loop.is_closed():
            with contextlib.suppress(Exception):
                loop.remove_reader(self._fd)

    def _on_readable(self) -> None:
        """The loop found events queued (in the loop's thread)."""
        with self._lock:
            if self._fd >= 0:
                self._read_events()

    def close(self) -> None:
        with self._lock:
            self._fail()

    def _after_fork(self) -> None:
        # In the child, at once after fork: the lock may have been held by a thread that is
        # not in the child; the descriptor shares the parent's queue.
        self._lock = threading.Lock()
        self._loop = None  # the parent's: its epoll instance is shared with the parent's
        if self._fd >= 0:
            self._fail()
            self._forked = True

    def _fail(self) -> None:
        self._detach()
        fd, self._fd = self._fd, -1
        if self._finalizer is not None:
            self._finalizer.detach()
        if fd >= 0:
            os.close(fd)

    def _setup(self) -> None:
        """A new inotify instance watching the root and every directory of the trees."""
        fd = self._libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        try:
            self._add(fd, self.root, required=True)
            for tree in self.trees:
                for directory in _directories(os.path.join(self.root, tree)):
                    self._add(fd, directory)
        except OSError:
            os.close(fd)
            raise
        loop = self._loop
        self._fail()  # the old instance, if any
        self._fd = fd
        self._finalizer = weakref.finalize(self, os.close, fd)
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN)
        if loop is not None and loop.is_running():
            self._attach(loop)

    def _add(self, fd: int, directory: str, required: bool = False) -> None:
        """Watch `directory`; one gone meanwhile is skipped (its parent's watch told of it),
        unless `required` (the root: without it nothing could be told)."""
        if self._libc.inotify_add_watch(fd, os.fsencode(directory), MASK) < 0:
            code = ctypes.get_errno()
            if required or code not in (errno.ENOENT, errno.ENOTDIR):
                raise OSError(code, f"inotify_add_watch {directory}")


_LIVE: weakref.WeakSet[Watcher] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for watcher in list(_LIVE):
        watcher._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _directories(top: str) -> Iterable[str]:
    """`top` and every directory below it but dot-directories, not following links. Each is
    yielded before it is listed, so that the caller watches it first: a directory made or
    moved into it meanwhile is then either listed or told by that watch. (Listed first, a
    directory renamed between the listing and the watch was neither: its files went unwatched,
    and an edit in them unseen.)"""
    yield top
    try:
        entries = list(os.scandir(top))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
            yield from _directories(entry.path)
