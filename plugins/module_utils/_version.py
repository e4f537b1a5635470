# -*- coding: utf-8 -*-
# Copyright: scaleway.registry contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

from __future__ import annotations

# Kept equal to galaxy.yml's version by tests/unit (test_version.py): modules cannot read galaxy.yml at run time.
COLLECTION_VERSION = "0.1.0"
