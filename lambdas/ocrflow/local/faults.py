"""What can go wrong at a hop, as the local emulator and the chaos run raise it.

A function's own errors are ocrflow's (``TransientError`` and the rest of ``errors.py``); these two
are the Lambda service's, which each hop treats as AWS documents for its kind of invocation.
"""

from __future__ import annotations


class Throttled(Exception):
    """The Lambda service refused to run the function (429, ``TooManyRequestsException``): the
    function did not run. Synchronous callers see the error; an event source mapping returns the
    batch to its queue; an asynchronous event waits in Lambda's queue up to its maximum age."""


class RuntimeCrash(BaseException):
    """The function's process died (out of memory, killed at its timeout) where its code stood,
    possibly after a side effect: nothing of the code's own error handling runs, which is why this
    is a ``BaseException``; Lambda reports it as the function error ``Runtime.ExitError``."""

    error_type = "Runtime.ExitError"
