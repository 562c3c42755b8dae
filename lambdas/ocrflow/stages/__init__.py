"""The five stages: pure functions of a page image (numpy, BGR uint8) and typed inputs.

Nothing here knows about Lambda, SageMaker or S3; adapters in ``ocrflow.handlers``
and ``ocrflow.local`` wrap these classes.
"""
