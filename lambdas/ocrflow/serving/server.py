"""``ocrflow serve``: the app on uvicorn, as a SageMaker container runs it (``docker run IMAGE serve``:
port 8080, models in /opt/ml/model, the stage in ``OCRFLOW_SERVE_STAGE``, the work bucket in
``OCRFLOW_SERVE_BUCKET``, the models it runs instead of the stages' defaults in
``OCRFLOW_SERVE_MODELS``). It listens on loopback unless told otherwise: it has no authentication
of its own, so only SageMaker's network (the image sets ``OCRFLOW_SERVE_HOST=0.0.0.0``) or the
local machine should reach it."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from ..inference.fetch import default_model_dir

SAGEMAKER_MODEL_DIR = Path("/opt/ml/model")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", default=os.environ.get("OCRFLOW_SERVE_STAGE"),
                        help="regions, text_detection, recognition or fused (default: OCRFLOW_SERVE_STAGE)")
    parser.add_argument("--api", choices=["textract"], help="answer Amazon Textract's API on loopback instead, "
                        "backed by the local state machine (default port 9000, S3/SNS/SQS on the next one)")
    parser.add_argument("--host", default=os.environ.get("OCRFLOW_SERVE_HOST", "127.0.0.1"),
                        help="address to listen on (default: OCRFLOW_SERVE_HOST, else 127.0.0.1; the SageMaker "
                             "image sets 0.0.0.0)")
    parser.add_argument("--bucket", default=os.environ.get("OCRFLOW_SERVE_BUCKET"),
                        help="the work bucket whose page objects requests may name; any other is refused "
                             "(default: OCRFLOW_SERVE_BUCKET)")
    parser.add_argument("--models", default=os.environ.get("OCRFLOW_SERVE_MODELS", ""),
                        help="comma-separated models of the manifest its stages run instead of their defaults, "
                             "e.g. ppocr-server-v2-det (default: OCRFLOW_SERVE_MODELS, set by the CDK app from "
                             "the endpoint's models)")
    parser.add_argument("--port", type=int, default=None, help="default: 8080 for a stage, 9000 for --api")
    parser.add_argument("--model-dir", type=Path, default=None,
                        help="default: /opt/ml/model where it exists (SageMaker), else OCRFLOW_MODEL_DIR "
                             "or ~/.cache/ocrflow/models")


def model_environment(models: list[str]) -> dict[str, str]:
    """The settings that make the stages run the named models (``OCRFLOW_DETECTION_MODEL`` ...): the
    endpoint's default model choice, one setting for all its stages."""
    from ..inference.registry import ModelRegistry
    from ..registry import load, page_stage

    registry = ModelRegistry(default_model_dir())
    return {f"{load(page_stage(registry.spec(name).stage).settings).model_config['env_prefix']}MODEL": name
            for name in models}


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    if args.api == "textract":
        from ..textract_api.local import serve

        return serve(args.host, args.port or 9000)
    if not args.stage:
        raise SystemExit("ocrflow serve: --stage (or OCRFLOW_SERVE_STAGE) is required")
    if not args.bucket:
        raise SystemExit("ocrflow serve: --bucket (or OCRFLOW_SERVE_BUCKET) is required: the one work bucket "
                         "it reads pages from and writes outputs to")
    model_dir = args.model_dir or (SAGEMAKER_MODEL_DIR if SAGEMAKER_MODEL_DIR.is_dir() else default_model_dir())
    os.environ["OCRFLOW_MODEL_DIR"] = str(model_dir)  # settings read it when the stages are built
    os.environ.update(model_environment([m for m in args.models.split(",") if m]))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("ocrflow.serving").info("serving %s with models from %s", args.stage, model_dir)
    uvicorn.run(create_app(args.stage, bucket=args.bucket), host=args.host, port=args.port or 8080, log_level="info")
    return 0
