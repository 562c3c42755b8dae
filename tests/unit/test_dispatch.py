import json

from ocrflow.errors import InvalidInputError
from ocrflow.local.dispatch import InProcessLambda, function_name


def test_function_name_from_arn_or_name():
    assert function_name("arn:aws:lambda:us-east-1:123456789012:function:ocrflow-ingest:$LATEST") == "ocrflow-ingest"
    assert function_name("ocrflow-ingest") == "ocrflow-ingest"


def test_success_and_error_answer_like_the_lambda_service():
    def ok(event, context):
        return {"echo": event["x"], "fn": context.function_name}

    def bad(event, context):
        raise InvalidInputError("nope")

    client = InProcessLambda({"ok": ok, "bad": bad})
    good = client.invoke(FunctionName="arn:aws:lambda:r:1:function:ok", Payload=b'{"x": 1}')
    assert "FunctionError" not in good and json.load(good["Payload"]) == {"echo": 1, "fn": "ok"}
    failed = client.invoke(FunctionName="bad", Payload=b"{}")
    assert failed["FunctionError"] == "Unhandled"
    body = json.load(failed["Payload"])
    assert body["errorType"] == "InvalidInputError" and body["errorMessage"] == "nope"
    assert client.invocations == ["ok", "bad"]
