"""Lambda adapters: parse the payload, call a plain function, return JSON.

Each module exposes ``handler`` (what the Lambda image's CMD names) and the plain
function behind it, which tests and the SageMaker adapter call directly.
"""
