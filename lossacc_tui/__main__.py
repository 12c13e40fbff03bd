import sys

from lossacc_tui.cli import main

sys.exit(main())
