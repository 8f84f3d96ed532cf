"""`python -m ocelot_build.prune`: delete old layer versions.

A shell, so the command keeps its name while the code lives in `ocelot_build.publish.prune`.
"""

import sys

from ocelot_build.publish.prune import main

if __name__ == "__main__":
    sys.exit(main())
