"""Record the command line of every process that appears under a process, until SIGTERM; for secret audits.

    python tests/utils/cmdline_watch.py OUTPUT ANCESTOR_PID

Polls /proc continuously and writes each distinct command line of ANCESTOR_PID's descendants once,
arguments separated by spaces, to OUTPUT: what the audited run started, not what other jobs of
the machine run at the same time. A process that lives less than a poll can be missed; the audit
checks that the commands it cares about were seen.
"""

import os
import signal
import sys


def parent_of(pid):
    with open(f"/proc/{pid}/stat", "rb") as handle:
        # The command name, in parentheses, may hold spaces: the fields after it are counted from its end.
        return handle.read().rsplit(b")", 1)[1].split()[1].decode()


def descends_from(pid, ancestor):
    while pid not in ("0", "1"):
        if pid == ancestor:
            return True
        pid = parent_of(pid)
    return False


def command_lines(ancestor):
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    raw = handle.read()
                if not raw or not descends_from(pid, ancestor):
                    continue
            except (OSError, IndexError):
                continue
            yield raw.replace(b"\0", b" ").strip().decode("utf-8", "replace")


def main():
    seen = set()
    running = [True]
    signal.signal(signal.SIGTERM, lambda number, frame: running.__setitem__(0, False))
    with open(sys.argv[1], "w") as output:
        while running[0]:
            for line in command_lines(sys.argv[2]):
                if line not in seen:
                    seen.add(line)
                    output.write(line + "\n")
                    output.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
