"""``ocrflow serve``: the app on uvicorn, as a SageMaker container runs it (``docker run IMAGE serve``:
port 8080, models in /opt/ml/model, the stage in ``OCRFLOW_SERVE_STAGE``, the work bucket in
``OCRFLOW_SERVE_BUCKET``). It listens on loopback unless told otherwise: it has no authentication
of its own, so only SageMaker's network (the image sets ``OCRFLOW_SERVE_HOST=0.0.0.0``) or the
local machine should reach it."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

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
    parser.add_argument("--port", type=int, default=None, help="default: 8080 for a stage, 9000 for --api")
    parser.add_argument("--model-dir", type=Path, default=None,
                        help="default: /opt/ml/model where it exists (SageMaker), else OCRFLOW_MODEL_DIR "
                             "or ~/.cache/ocrflow/models")


def run(args: argparse.Namespace) -> int:
    # ocrflow[serve]: uvicorn and the app load when the server starts
    import uvicorn

    from ..registry import stage_names
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
    context = TaskContext(stages=StageCache({name: {"model_dir": model_dir} for name in stage_names()}))
    uvicorn.run(create_app(args.stage, context, bucket=args.bucket), host=args.host, port=args.port or 8080,
                log_level="info")
    return 0
