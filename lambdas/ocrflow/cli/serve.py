"""``ocrflow serve``: the app on uvicorn, as a SageMaker container runs it (``docker run IMAGE serve``:
port 8080, models in /opt/ml/model, the stage in ``OCRFLOW_SERVE_STAGE``, the work bucket in
``OCRFLOW_SERVE_BUCKET``, the models it runs instead of the stages' defaults in
``OCRFLOW_SERVE_MODELS``). It listens on loopback unless told otherwise: it has no authentication
of its own, so only SageMaker's network (the image sets ``OCRFLOW_SERVE_HOST=0.0.0.0``) or the
local machine should reach it."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..registry import stage_names
from ..settings import ServeSettings, default_model_dir

SAGEMAKER_MODEL_DIR = Path("/opt/ml/model")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    environment = ServeSettings()
    parser.add_argument("--stage", default=environment.stage,
                        help="regions, text_detection, recognition or fused (default: OCRFLOW_SERVE_STAGE)")
    parser.add_argument("--api", choices=["textract"], help="answer Amazon Textract's API on loopback instead, "
                        "backed by the local state machine (default port 9000, S3/SNS/SQS on the next one)")
    parser.add_argument("--host", default=environment.host,
                        help="address to listen on (default: OCRFLOW_SERVE_HOST, else 127.0.0.1; the SageMaker "
                             "image sets 0.0.0.0)")
    parser.add_argument("--bucket", default=environment.bucket,
                        help="the work bucket whose page objects requests may name; any other is refused "
                             "(default: OCRFLOW_SERVE_BUCKET)")
    parser.add_argument("--models", default=environment.models,
                        help="comma-separated models of the manifest its stages run instead of their defaults, "
                             "e.g. ppocr-server-v2-det (default: OCRFLOW_SERVE_MODELS, set by the CDK app from "
                             "the endpoint's models)")
    parser.add_argument("--port", type=int, default=None, help="default: 8080 for a stage, 9000 for --api")
    parser.add_argument("--model-dir", type=Path, default=None,
                        help="default: /opt/ml/model where it exists (SageMaker), else OCRFLOW_MODEL_DIR "
                             "or ~/.cache/ocrflow/models")


def model_settings(models: list[str], model_dir: Path) -> dict[str, dict[str, object]]:
    """Each page stage's settings fields: the model directory, and the named model where one is
    named for it (``ppocr-server-v2-det`` -> ``text_detection``'s ``model``): the endpoint's model
    choice, one setting for all its stages."""
    from ..inference.models import ModelRegistry  # with the stage code, loaded as the server starts

    fields: dict[str, dict[str, object]] = {name: {"model_dir": model_dir} for name in stage_names()}
    registry = ModelRegistry(model_dir)
    for name in models:
        fields[registry.spec(name).stage]["model"] = name
    return fields


def run(args: argparse.Namespace) -> int:
    # ocrflow[serve]: uvicorn and the app load when the server starts
    import uvicorn

    from ..tasks.context import StageCache, TaskContext
    from ..serving.app import create_app

    if args.api == "textract":
        # moto's server (ocrflow[textract]) only for --api textract
        from ..local.textract_api import serve

        return serve(args.host, args.port or 9000)
    if not args.stage:
        raise SystemExit("ocrflow serve: --stage (or OCRFLOW_SERVE_STAGE) is required")
    if not args.bucket:
        raise SystemExit("ocrflow serve: --bucket (or OCRFLOW_SERVE_BUCKET) is required: the one work bucket "
                         "it reads pages from and writes outputs to")
    model_dir = args.model_dir or (SAGEMAKER_MODEL_DIR if SAGEMAKER_MODEL_DIR.is_dir() else default_model_dir())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("ocrflow.serving").info("serving %s with models from %s", args.stage, model_dir)
    context = TaskContext(stages=StageCache(model_settings([m for m in args.models.split(",") if m], model_dir)))
    uvicorn.run(create_app(args.stage, context, bucket=args.bucket), host=args.host, port=args.port or 8080,
                log_level="info")
    return 0
