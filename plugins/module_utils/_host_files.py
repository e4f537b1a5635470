# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""Files on managed hosts: the one way the collection reads, writes and removes them.

It runs on managed hosts, with their Python 3 and its standard library only. Every write goes through
write_file(): a temporary file made by mkstemp in the target's directory (never a predictable name that
someone could plant a link at), its mode and owner set before any content, fsync, then rename over the
target. Directories are created with a mode of our choosing; an existing directory is never chmodded, and
one that others could write into is refused, since they could swap our file for theirs.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from typing import Iterable


class HostFileError(Exception):
    """A file or directory the module must not or cannot use; the message says why and what to do."""


class FileState:
    """What a file holds, and its mode and owner; None for each when it does not exist."""

    def __init__(
        self, content: str | None = None, mode: int | None = None, uid: int | None = None, gid: int | None = None
    ) -> None:
        self.content, self.mode, self.uid, self.gid = content, mode, uid, gid

    @property
    def exists(self) -> bool:
        return self.content is not None


def read_regular(path: str) -> FileState:
    """The FileState of path, refusing a symbolic link: a link there is not ours to read or replace."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return FileState()
    except OSError as exc:
        if os.path.islink(path):
            raise HostFileError(
                f"{path} is a symbolic link; the module keeps this file as a regular file only: remove"
                " the link or choose another path"
            ) from exc
        raise HostFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise HostFileError(f"{path} is not a regular file; remove it or choose another path")
        return FileState(handle.read().decode("utf-8", "replace"), stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)


def followed_link(path: str) -> str | None:
    """The file a symbolic link at path points to, when the link and that file have one owner: a dotfile
    manager's link, whose target is edited in place of the link. None when path is no link.

    A link to a file of somebody else's is refused: whoever can plant a link in a user's directory could
    otherwise make root edit any file."""
    if not os.path.islink(path):
        return None
    target = os.path.realpath(path)
    link_owner = os.lstat(path).st_uid
    target_owner: int | None
    try:
        target_owner = os.stat(target).st_uid
    except FileNotFoundError:
        target_owner = os.stat(os.path.dirname(target)).st_uid if os.path.isdir(os.path.dirname(target)) else None
    if target_owner != link_owner:
        raise HostFileError(
            f"{path} is a symbolic link to {target}, which its owner does not own; the module edits the target"
            " of a link only when both have one owner: fix the link"
        )
    return target


def check_directory(directory: str) -> None:
    """Refuse an existing directory that group or others may write into without the sticky bit."""
    info = os.stat(directory)
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not info.st_mode & stat.S_ISVTX:
        raise HostFileError(
            f"{directory} is writable by others (mode {stat.S_IMODE(info.st_mode):04o}), who could replace a file the"
            " module writes there; choose a directory that only its owner can write"
        )


def missing_directories(path: str) -> list[str]:
    """The directories that writing path would create, outermost first."""
    missing: list[str] = []
    directory = os.path.dirname(path)
    while directory and not os.path.isdir(directory):
        missing.insert(0, directory)
        directory = os.path.dirname(directory)
    return missing


def make_directories(path: str, mode: int) -> list[str]:
    """Create the missing directories of path with mode (whatever the umask); return those created."""
    created: list[str] = []
    for directory in missing_directories(path):
        try:
            os.mkdir(directory, mode)
        except FileExistsError:
            if os.path.islink(directory) or not os.path.isdir(directory):
                raise
            continue  # made meanwhile by another run: not ours to chmod, record or remove
        os.chmod(directory, mode)  # ours, just made: mkdir's mode went through the umask
        created.append(directory)
    return created


def write_file(path: str, content: str, mode: int, uid: int | None = None, gid: int | None = None) -> None:
    """Replace path atomically with content, with this mode and owner (uid and gid, given together; default: the
    user we run as)."""
    directory = os.path.dirname(path) or "."
    check_directory(directory)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            if uid is not None and gid is not None and os.geteuid() == 0 and (uid, gid) != (os.geteuid(), os.getegid()):
                os.fchown(handle.fileno(), uid, gid)
            handle.write(content.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def remove_file(path: str) -> None:
    """Remove path if it is there; a link is removed, never what it points to."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def remove_empty_directories(directories: Iterable[str]) -> None:
    """Remove the directories we created, deepest first, as long as they are empty."""
    for directory in sorted(directories, key=len, reverse=True):
        with contextlib.suppress(OSError):
            os.rmdir(directory)
