"""`python -m ocelot_build.costs`: measure what each component costs.

A shell, so the command keeps its name while the code lives in `ocelot_build.audit.costs`.
"""

import sys

from ocelot_build.audit.costs import main

if __name__ == "__main__":
    sys.exit(main())
