"""Stand-in for ansible-test's pip bootstrap script, which it downloads from a host CI cannot reach.

Install it as ~/.ansible/test/cache/get_pip_24_2.py (make sanity does). It installs pip
from the interpreter's bundled wheel, then the requested pip version from the package index.
"""

import ensurepip
import os
import subprocess
import sys


def main():
    # ensurepip sets PIP_CONFIG_FILE=/dev/null in this process; the inner pip needs the
    # machine's pip configuration (index and certificates), so it gets the environment from before.
    environment = dict(os.environ)
    ensurepip.bootstrap(upgrade=True, default_pip=True)
    arguments = [argument for argument in sys.argv[1:] if argument not in ("--no-setuptools", "--no-wheel")]
    return subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", *arguments], env=environment)


if __name__ == "__main__":
    sys.exit(main())
