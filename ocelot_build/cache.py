"""`python -m ocelot_build.cache`: cache info and prune.

A shell, so the command keeps its name while the code lives in `ocelot_build.store.housekeeping`.
"""

import sys

from ocelot_build.store.housekeeping import main

if __name__ == "__main__":
    sys.exit(main())
