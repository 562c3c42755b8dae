"""The invoker as a Lambda handler (``ocrflow.tasks.invoker``): a page stage on a SageMaker
real-time endpoint."""

from ..orchestration.backends.sagemaker_realtime import INVOKER
from .runtime import lambda_handler

handler = lambda_handler(INVOKER)
