import sys

from lossacc_tui.entry import main

sys.exit(main())
