"""List the files under the given directories that contain a secret and that others could read.

    python tests/utils/find_secret_files.py SECRET DIRECTORY...

A file is readable by others when its group or other read bit is set and every directory above
it lets the same class through. Prints one line per such file; exits 1 when there is any.
Files over 1 MiB are skipped: no secret-bearing file is that big.
"""

import os
import stat
import sys


def reachable(path, read_bit, execute_bit):
    """Whether the class of users of these bits can read path: the file readable, every parent traversable."""
    if not os.stat(path).st_mode & read_bit:
        return False
    parent = os.path.dirname(os.path.abspath(path))
    while parent != os.path.dirname(parent):
        if not os.stat(parent).st_mode & execute_bit:
            return False
        parent = os.path.dirname(parent)
    return True


def main():
    secret = sys.argv[1].encode()
    exposed = []
    for top in sys.argv[2:]:
        for directory, _subdirectories, files in os.walk(top):
            for name in files:
                path = os.path.join(directory, name)
                try:
                    if not stat.S_ISREG(os.lstat(path).st_mode) or os.path.getsize(path) > 1 << 20:
                        continue
                    with open(path, "rb") as handle:
                        if secret not in handle.read():
                            continue
                    if reachable(path, stat.S_IRGRP, stat.S_IXGRP) or reachable(path, stat.S_IROTH, stat.S_IXOTH):
                        exposed.append(path)
                except OSError:
                    continue
    for path in exposed:
        print(f"{path} holds the secret key and others can read it (mode {stat.S_IMODE(os.stat(path).st_mode):o})")
    return 1 if exposed else 0


if __name__ == "__main__":
    sys.exit(main())
