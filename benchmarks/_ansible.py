"""The environment of a benchmark's ansible runs: a user's, against the emulator.

The SCW_* variables of the emulator, this checkout's collection (make collection puts it in .tmp/collections), and
none of the warnings of a play on localhost, which would only add noise to the figures.
"""

import os

from with_emulator import SECRET_KEY

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_environment(url, **variables):
    """os.environ with the emulator at url as the Scaleway API, and the variables given on top."""
    return dict(
        os.environ,
        SCW_API_URL=url,
        SCW_SECRET_KEY=SECRET_KEY,
        ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".tmp", "collections"),
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
        **variables,
    )
