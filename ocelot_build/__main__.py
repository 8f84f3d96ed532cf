import sys

from ocelot_build.cli import main

sys.exit(main())
