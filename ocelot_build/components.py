"""`python -m ocelot_build.components`: every build tag a distribution may use, with its YAML
id, Go module and measured cost.

A shell, so the command keeps its name while the code lives in `ocelot_build.audit.components`.
"""

import sys

from ocelot_build.audit.components import main

if __name__ == "__main__":
    sys.exit(main())
