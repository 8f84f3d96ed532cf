"""`python -m ocelot_build.reconcile`: keep every version's sharing in line.

A shell, so the command keeps its name while the code lives in `ocelot_build.publish.reconcile`.
"""

import sys

from ocelot_build.publish.reconcile import main

if __name__ == "__main__":
    sys.exit(main())
