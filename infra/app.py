"""CDK entry point: `cdk synth` runs it, and so does `python infra/app.py` (CDK_CONTEXT_JSON and
CDK_OUTDIR are read by cdk.App as the CLI sets them). cdk.json's context (the feature flags and
ocrflow's defaults) is applied either way, under whatever the command line sets."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aws_cdk as cdk  # noqa: E402
from cdk_nag import AwsSolutionsChecks  # noqa: E402

from ocrflow_infra import REPO  # noqa: E402
from ocrflow_infra.config import StackConfig  # noqa: E402
from ocrflow_infra.stack import OcrflowStack  # noqa: E402


def project_context() -> dict:
    """cdk.json's context: cdk.App takes it as defaults, below CDK_CONTEXT_JSON and `-c`."""
    return json.loads((REPO / "cdk.json").read_text())["context"]


def build(app: cdk.App) -> OcrflowStack:
    config = StackConfig.from_context(app.node)
    env = cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
                          region=os.environ.get("CDK_DEFAULT_REGION"))
    stack = OcrflowStack(app, app.node.try_get_context("ocrflow:stackName") or "Ocrflow",
                         config=config, env=env)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stack


if __name__ == "__main__":
    application = cdk.App(context=project_context())
    build(application)
    application.synth()
