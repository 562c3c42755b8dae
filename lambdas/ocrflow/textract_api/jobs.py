"""Asynchronous jobs in DynamoDB: what a ``Start*`` asked for, where it stands, where its result is.

A ``ClientRequestToken`` is an item of its own, written only if absent: the same token with the same
request finds the job it started (the same ``JobId``, nothing started twice); with another request it
is ``IdempotentParameterMismatchException``, as Textract answers.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from typing import Literal

from pydantic import BaseModel

from .errors import TextractError

Status = Literal["IN_PROGRESS", "SUCCEEDED", "FAILED"]


class Job(BaseModel):
    job_id: str
    api: str  # the Start operation, as the notification's API names it
    features: list[str] | None = None  # None: text detection
    bucket: str
    name: str
    version: str | None = None
    job_tag: str | None = None
    topic_arn: str | None = None
    role_arn: str | None = None
    output_bucket: str | None = None
    output_prefix: str | None = None
    status: Status = "IN_PROGRESS"
    status_message: str | None = None
    result_uri: str | None = None
    pages: int = 0
    created: float = 0.0


def new_job_id() -> str:
    """64 hexadecimal characters, as Textract's job ids are (and a valid ocrflow document id)."""
    return secrets.token_hex(32)


def digest(operation: str, params: dict) -> str:
    """What makes two requests "the same" for a client request token: everything but the token."""
    same = {k: v for k, v in params.items() if k != "ClientRequestToken"}
    return hashlib.sha256(json.dumps([operation, same], sort_keys=True).encode()).hexdigest()


class JobStore:
    def __init__(self, client, table: str, days: int = 7) -> None:
        self.client = client
        self.table = table
        self.seconds = days * 86_400

    def _put(self, key: str, value: dict, *, only_new: bool = False) -> bool:
        item = {"id": {"S": key}, "value": {"S": json.dumps(value)},
                "expires": {"N": str(int(time.time()) + self.seconds)}}
        kwargs = {"ConditionExpression": "attribute_not_exists(id)"} if only_new else {}
        try:
            self.client.put_item(TableName=self.table, Item=item, **kwargs)
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _get(self, key: str) -> dict | None:
        item = self.client.get_item(TableName=self.table, Key={"id": {"S": key}}, ConsistentRead=True).get("Item")
        if item is None or int(item["expires"]["N"]) < time.time():
            return None
        return json.loads(item["value"]["S"])

    def claim(self, operation: str, params: dict, job_id: str) -> str:
        """The job id a request runs under: ``job_id``, or the one its client request token already has."""
        token = params.get("ClientRequestToken")
        if not token:
            return job_id
        key, wanted = f"token#{operation}#{token}", digest(operation, params)
        if self._put(key, {"job_id": job_id, "digest": wanted}, only_new=True):
            return job_id
        held = self._get(key) or {}
        if held.get("digest") != wanted:
            raise TextractError("IdempotentParameterMismatchException",
                                f"ClientRequestToken {token!r} was used with other parameters")
        return held["job_id"]

    def save(self, job: Job) -> None:
        self._put(f"job#{job.job_id}", job.model_dump())

    def get(self, job_id: str) -> Job | None:
        value = self._get(f"job#{job_id}")
        return None if value is None else Job.model_validate(value)

    def require(self, job_id: str, api: str) -> Job:
        """The job, if it exists and was started by ``api`` (a text detection's id is not an analysis')."""
        job = self.get(job_id)
        if job is None or job.api != api:
            raise TextractError("InvalidJobIdException", f"no job {job_id!r} of {api}")
        return job
