"""The ocrflow CDK app: one Construct per component, one Stack wiring them.

The app reads ocrflow's standard-library modules (the stage registry, the ASL builder)
from the source tree, so stages and orchestration are defined once without installing
ocrflow's runtime dependencies into the CDK environment.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "lambdas") not in sys.path:
    sys.path.insert(0, str(REPO / "lambdas"))
