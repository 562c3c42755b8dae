"""``python -m ocrflow.cli``: the same command line as ``ocrflow`` and ``python -m ocrflow``."""

import sys

from . import main

sys.exit(main())
