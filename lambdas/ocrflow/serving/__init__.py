"""The SageMaker container adapter: the page task behind ``GET /ping`` and ``POST /invocations``
(``app``), served by uvicorn (``server``, ``ocrflow serve``)."""
