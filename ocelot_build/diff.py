"""`python -m ocelot_build.diff`: compare two layers.

A shell, so the command keeps its name while the code lives in `ocelot_build.audit.diff`.
"""

import sys

from ocelot_build.audit.diff import main

if __name__ == "__main__":
    sys.exit(main())
