"""``ocrflow serve --api textract``: the API on loopback, backed by the local state machine.

Synchronous requests run as ``ocrflow run`` runs a file; a job is published as a DocumentSubmitted
whose document id is the job id, so it goes through the same starter and state machine, and its
OcrCompleted / OcrFailed reach the ``Notifier``. Beside the API, moto's server answers S3, SNS and
SQS on the next port, from the same in-process state that the state machine uses: a client uploads
its documents, subscribes a queue to its topic and reads its ``OutputConfig`` results there.
"""

from __future__ import annotations

import logging
import sys
from concurrent.futures import ThreadPoolExecutor

from ..errors import OcrflowError
from ..schema.document import Document
from ..textract_api.jobs import Job, JobStore
from ..textract_api.notifier import Notifier
from ..textract_api.operations import Engine, Operations

log = logging.getLogger("ocrflow.textract_api")


class LocalEngine(Engine):
    def __init__(self, runner, notifier: Notifier, s3, jobs: int = 2) -> None:
        self.runner = runner
        self.notifier = notifier
        self.s3 = s3
        self.pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="textract-job")

    def recognize(self, name: str, data: bytes) -> Document:
        outcome = self.runner.run_source((name, data))
        if outcome.error is not None:
            raise _error(outcome.error.code, outcome.error.message)
        return outcome.document

    def submit(self, job: Job) -> None:
        self.pool.submit(self._run, job)

    def _run(self, job: Job) -> None:
        try:
            outcome = self.runner.run_detail({"schema_version": "1.0", "document_id": job.job_id,
                                              "document_uri": f"s3://{job.bucket}/{job.name}"})
            results = [e for e in outcome.events if e.get("detail-type") in ("OcrCompleted", "OcrFailed")]
            for event in results:
                self.notifier.handle(event)
            if not results and outcome.error is not None:  # dead-lettered before any event
                self.notifier.finish(job.job_id, error_code=outcome.error.code, message=outcome.error.message)
        except Exception as exc:  # noqa: BLE001 - the job fails, the server serves on
            log.exception("job %s failed", job.job_id)
            self.notifier.finish(job.job_id, error_code="INTERNAL_ERROR", message=f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _error(code: str, message: str) -> OcrflowError:
    # the error table only for a failed document
    from .. import errors

    cls = next((c for c in errors.error_classes() if c.code == code), errors.OcrflowError)
    return cls(message)


def client_environment(host: str, port: int, aws_port: int) -> dict[str, str]:
    """What a client needs, and nothing else: the endpoints, a region and dummy credentials."""
    # the local stack's region, only when the notifier starts
    from .statemachine import REGION

    aws = f"http://{host}:{aws_port}"
    return {"AWS_ENDPOINT_URL_TEXTRACT": f"http://{host}:{port}", "AWS_ENDPOINT_URL_S3": aws,
            "AWS_ENDPOINT_URL_SNS": aws, "AWS_ENDPOINT_URL_SQS": aws, "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class LocalTextract:
    """The state machine deployed into moto, moto's server beside it and the operations over both."""

    def __init__(self, host: str = "127.0.0.1", aws_port: int = 9001, runner=None) -> None:
        # boto3 and the local stack when the server starts
        import boto3

        from .runner import LocalRunner
        from .statemachine import REGION, create_table
        from ..settings import ApiSettings

        try:
            # moto's server is ocrflow[textract]'s
            from moto.server import ThreadedMotoServer
        except ImportError as exc:
            raise SystemExit("ocrflow serve --api textract needs moto's server: "
                             f"pip install 'ocrflow[textract]' ({exc})") from None
        self.runner = runner or LocalRunner()
        self.runner.machine  # deploys the stack into moto (and starts its mock) before anything uses AWS
        settings = ApiSettings()
        create_table(settings.jobs_table, "id")
        s3 = boto3.client("s3", region_name=REGION)
        store = JobStore(boto3.client("dynamodb", region_name=REGION), settings.jobs_table, settings.job_days)
        notifier = Notifier(store, s3, boto3.client("sns", region_name=REGION))
        self.engine = LocalEngine(self.runner, notifier, s3)
        self.operations = Operations(self.engine, store, settings)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per S3 request
        self.aws = ThreadedMotoServer(ip_address=host, port=aws_port, verbose=False)
        self.aws.start()

    def close(self) -> None:
        self.aws.stop()
        self.engine.close()
        self.runner.close()


def serve(host: str, port: int, aws_port: int | None = None) -> int:
    # ocrflow[serve]: uvicorn and the app load when the server starts
    import uvicorn

    from ..textract_api.app import create_app

    aws_port = aws_port or port + 1
    local = LocalTextract(host, aws_port)

    def started() -> None:
        print("# ocrflow answers Textract here; a client needs only these settings:")
        for key, value in client_environment(host, port, aws_port).items():
            print(f"export {key}={value}")
        sys.stdout.flush()

    try:
        uvicorn.run(create_app(local.operations, started), host=host, port=port, log_level="warning")
    finally:
        local.close()
    return 0
