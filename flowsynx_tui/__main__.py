import sys

from flowsynx_tui.cli import main

sys.exit(main())
