"""Amazon Textract's own API in front of ocrflow, so that code written for Textract (boto3's
``textract`` client, amazon-textract-textractor, amazon-textract-caller) runs on ocrflow by
changing its endpoint.

``protocol`` speaks AWS JSON 1.1 (``X-Amz-Target: Textract.<Operation>``), ``errors`` maps
ocrflow's error codes to Textract's exception names in one table, ``blocks`` reshapes
``Document.to_textract()`` into each operation's response, ``jobs`` keeps the asynchronous jobs
in DynamoDB, ``operations`` implements the operations over an ``Engine`` (``local`` runs them on
the local state machine), ``notifier`` turns a job's OcrCompleted / OcrFailed into Textract's
notification and output, and ``app`` is the ASGI app ``ocrflow serve --api textract`` runs.
"""
