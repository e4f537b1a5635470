"""Record the command line of every process that appears, until SIGTERM; for secret audits.

    python tests/utils/cmdline_watch.py OUTPUT

Polls /proc continuously and writes each distinct command line once, arguments separated by
spaces, to OUTPUT. A process that lives less than a poll can be missed; the audit checks that
the commands it cares about were seen.
"""

import os
import signal
import sys


def command_lines():
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as handle:
                    raw = handle.read()
            except OSError:
                continue
            if raw:
                yield raw.replace(b"\0", b" ").strip().decode("utf-8", "replace")


def main():
    seen = set()
    running = [True]
    signal.signal(signal.SIGTERM, lambda number, frame: running.__setitem__(0, False))
    with open(sys.argv[1], "w") as output:
        while running[0]:
            for line in command_lines():
                if line not in seen:
                    seen.add(line)
                    output.write(line + "\n")
                    output.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
