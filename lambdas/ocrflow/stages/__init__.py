"""The stages' pure cores: the page stages that ``registry.PAGE_STAGES`` names (functions of a page
image, numpy BGR uint8, and typed inputs), and validation, which assembles the document from their
results; beside them the helpers they share (CTC decoding, ink, reading order, sideways lines).

Nothing here knows about Lambda, SageMaker or S3; adapters in ``ocrflow.handlers``
and ``ocrflow.local`` wrap these classes.
"""
