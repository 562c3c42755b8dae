from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

INFRA = Path(__file__).resolve().parents[2] / "infra"


def synth(context: dict | None = None):
    """Synthesize the app as `cdk synth` would, cdk-nag included; returns (stack, Template)."""
    pytest.importorskip("aws_cdk")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    sys.path.insert(0, str(INFRA))
    import aws_cdk as cdk
    from app import build, project_context
    from aws_cdk.assertions import Template

    app = cdk.App(context={**project_context(), **(context or {})})
    stack = build(app)
    assembly = app.synth()
    return stack, Template.from_stack(stack), assembly


def synth_endpoints(backends: dict) -> tuple:
    """The app with these stage backends on three ml.g5.xlarge at most: (stack, Template, assembly)."""
    return synth({"ocrflow:stage_backends": json.dumps(backends),
                  "ocrflow:endpoint": {"instance_type": "ml.g5.xlarge", "max_instances": 3}})


@pytest.fixture(scope="module")
def synthesized():
    return synth()
