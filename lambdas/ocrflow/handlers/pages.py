"""The page stages as one Lambda handler (``ocrflow.tasks.pages``).

Every page-stage function of the stack runs this handler and the payload names
the stage; ``OCRFLOW_STAGE``, set per function by the CDK app, makes a function
refuse a stage it was not sized for.
"""

from ..settings import PageFunctionSettings
from ..tasks.specs import PAGE
from .runtime import lambda_handler

handler = lambda_handler(PAGE.restricted_to(PageFunctionSettings().stage))
