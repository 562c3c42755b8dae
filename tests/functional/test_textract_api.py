"""Acceptance of the Textract API: ``ocrflow serve --api textract`` on loopback, driven by clients
nobody here wrote (boto3's ``textract`` client, amazon-textract-textractor, amazon-textract-caller),
configured only through the environment variables the server prints. The text each one gets is the
text ``ocrflow run --format textract`` gives for the same bytes."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from ocrflow.synthetic import render_page

REPO = Path(__file__).resolve().parents[2]
RECEIPT = REPO / "samples" / "receipt.png"
PAGES = [["Page one says hello", "", "The first of three pages"], ["Page two says goodbye"],
         ["Page three is the last", "", "Total 42.00"]]


def free_ports() -> int:
    """A port whose next one is free too (the API and moto's server beside it)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise RuntimeError("no two adjacent free ports")


def three_page_pdf() -> bytes:
    images = [Image.fromarray(render_page(lines, width=1240)[0][:, :, ::-1]) for lines in PAGES]
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=200)
    return out.getvalue()


def textractor_jpeg(path: Path) -> bytes:
    """What Textractor sends for an image: it re-encodes it (JPEG, quality 95); the same bytes
    go to ``ocrflow run`` so that both read the same file."""
    from textractor.textractor import _image_to_byte_array

    return _image_to_byte_array(Image.open(path))


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("textract-inputs")
    (folder / "three.pdf").write_bytes(three_page_pdf())
    (folder / "receipt.png").write_bytes(RECEIPT.read_bytes())
    (folder / "receipt-textractor.jpg").write_bytes(textractor_jpeg(RECEIPT))
    return {path.name: path for path in folder.iterdir()}


@pytest.fixture(scope="module")
def expected(files, tmp_path_factory) -> dict[str, list[str]]:
    """LINE texts of ``ocrflow run --format textract`` for each file."""
    out = tmp_path_factory.mktemp("textract-expected")
    subprocess.run([sys.executable, "-m", "ocrflow.cli", "run", "--no-daemon", "--format", "textract",
                    "--out", str(out), *map(str, files.values())], check=True, cwd=REPO, timeout=600)
    found = {}
    for name in files:
        result = out / f"{Path(name).stem}.textract.json"
        found[name] = line_texts(json.loads(result.read_text())["Blocks"])
    return found


def line_texts(blocks: list[dict]) -> list[str]:
    return [block["Text"] for block in blocks if block["BlockType"] == "LINE"]


@contextlib.contextmanager
def local_server():
    """``ocrflow serve --api textract`` as a user starts it: the settings it prints, read from its
    standard output, once it answers."""
    port = free_ports()
    # started from a shell that a previous server's printed lines set up as a client (its ports dead now)
    environment = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9"}
    process = subprocess.Popen([sys.executable, "-m", "ocrflow.cli", "serve", "--api", "textract", "--port",
                                str(port)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=environment)
    settings = {}
    try:
        for line in process.stdout:
            if line.startswith("export "):
                key, value = line[len("export "):].strip().split("=", 1)
                settings[key] = value
            if "AWS_SECRET_ACCESS_KEY" in settings:
                break
        assert settings, "the server printed no settings"
        for _ in range(600):
            try:
                urllib.request.urlopen(settings["AWS_ENDPOINT_URL_TEXTRACT"] + "/ping", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        yield settings
    finally:
        process.terminate()
        process.wait(timeout=60)


@pytest.fixture(scope="module")
def server():
    with local_server() as settings:
        yield settings


@pytest.fixture
def aws(server, monkeypatch):
    """A boto3 session configured by nothing but the printed settings."""
    import boto3

    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in server.items():
        monkeypatch.setenv(key, value)
    return boto3.session.Session()


@pytest.fixture(scope="module")
def bucket(server, files):
    import boto3

    s3 = boto3.client("s3", endpoint_url=server["AWS_ENDPOINT_URL_S3"], region_name=server["AWS_DEFAULT_REGION"],
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket="client-documents")
    for name, path in files.items():
        s3.put_object(Bucket="client-documents", Key=f"in/{name}", Body=path.read_bytes())
    return "client-documents"


def wait_for(get, **kwargs) -> dict:
    for _ in range(1200):
        response = get(**kwargs)
        if response["JobStatus"] != "IN_PROGRESS":
            return response
        time.sleep(0.25)
    raise AssertionError("the job never finished")


# boto3 ---------------------------------------------------------------------------------------------

def test_detect_document_text_from_bytes_and_from_s3(aws, bucket, files, expected):
    textract = aws.client("textract")
    from_bytes = textract.detect_document_text(Document={"Bytes": files["receipt.png"].read_bytes()})
    from_s3 = textract.detect_document_text(Document={"S3Object": {"Bucket": bucket, "Name": "in/receipt.png"}})
    for response in (from_bytes, from_s3):
        assert "JobStatus" not in response and response["DetectDocumentTextModelVersion"]
        assert response["DocumentMetadata"] == {"Pages": 1}
        assert {b["BlockType"] for b in response["Blocks"]} == {"PAGE", "LINE", "WORD"}
        assert line_texts(response["Blocks"]) == expected["receipt.png"]


def test_analyze_document_with_layout_and_tables(aws, bucket, expected):
    textract = aws.client("textract")
    response = textract.analyze_document(Document={"S3Object": {"Bucket": bucket, "Name": "in/receipt.png"}},
                                         FeatureTypes=["LAYOUT", "TABLES"])
    kinds = {b["BlockType"] for b in response["Blocks"]}
    assert "JobStatus" not in response and response["AnalyzeDocumentModelVersion"]
    assert {"PAGE", "LINE", "WORD"} <= kinds and any(kind.startswith("LAYOUT_") for kind in kinds)
    assert line_texts(response["Blocks"]) == expected["receipt.png"]
    ids = {b["Id"] for b in response["Blocks"]}
    assert all(i in ids for b in response["Blocks"] for r in b.get("Relationships", []) for i in r["Ids"])
    with pytest.raises(textract.exceptions.InvalidParameterException, match="LAYOUT and TABLES"):
        textract.analyze_document(Document={"S3Object": {"Bucket": bucket, "Name": "in/receipt.png"}},
                                  FeatureTypes=["FORMS"])


def test_a_three_page_pdf_runs_as_a_job_paged_written_and_notified(aws, bucket, expected):
    textract, sns, sqs, s3 = (aws.client(name) for name in ("textract", "sns", "sqs", "s3"))
    topic = sns.create_topic(Name="textract-done")["TopicArn"]
    queue = sqs.create_queue(QueueName="textract-done")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    s3.create_bucket(Bucket="client-results")
    job_id = textract.start_document_text_detection(
        DocumentLocation={"S3Object": {"Bucket": bucket, "Name": "in/three.pdf"}}, JobTag="invoices",
        NotificationChannel={"SNSTopicArn": topic, "RoleArn": "arn:aws:iam::123456789012:role/textract-sns"},
        OutputConfig={"S3Bucket": "client-results", "S3Prefix": "out"})["JobId"]
    first = wait_for(textract.get_document_text_detection, JobId=job_id, MaxResults=10)
    assert first["JobStatus"] == "SUCCEEDED" and first["DocumentMetadata"] == {"Pages": 3}
    blocks, pages, token = list(first["Blocks"]), 1, first.get("NextToken")
    while token:
        page = textract.get_document_text_detection(JobId=job_id, MaxResults=10, NextToken=token)
        assert len(page["Blocks"]) <= 10
        blocks += page["Blocks"]
        pages, token = pages + 1, page.get("NextToken")
    assert pages > 2
    assert line_texts(blocks) == expected["three.pdf"]
    assert sorted({b["Page"] for b in blocks}) == [1, 2, 3]
    # OutputConfig: <prefix>/<JobId>/1.. hold the same answer
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="client-results", Prefix=f"out/{job_id}/")["Contents"]]
    written = [b for key in sorted(keys, key=lambda k: int(k.rsplit("/", 1)[1]))
               for b in json.loads(s3.get_object(Bucket="client-results", Key=key)["Body"].read())["Blocks"]]
    assert written == blocks
    # the notification, on the client's own topic
    messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5).get("Messages", [])
    [message] = [json.loads(json.loads(m["Body"])["Message"]) for m in messages]
    assert message["JobId"] == job_id and message["Status"] == "SUCCEEDED"
    assert message["API"] == "StartDocumentTextDetection" and message["JobTag"] == "invoices"
    assert message["DocumentLocation"] == {"S3ObjectName": "in/three.pdf", "S3Bucket": bucket}
    assert isinstance(message["Timestamp"], int)


def test_a_client_request_token_returns_its_job_and_refuses_another_request(aws, bucket, expected):
    textract = aws.client("textract")
    request = {"DocumentLocation": {"S3Object": {"Bucket": bucket, "Name": "in/receipt.png"}},
               "FeatureTypes": ["LAYOUT", "TABLES"], "ClientRequestToken": "once"}
    first = textract.start_document_analysis(**request)["JobId"]
    assert textract.start_document_analysis(**request)["JobId"] == first
    with pytest.raises(textract.exceptions.IdempotentParameterMismatchException):
        textract.start_document_analysis(**request, JobTag="another")
    answer = wait_for(textract.get_document_analysis, JobId=first)
    assert answer["JobStatus"] == "SUCCEEDED" and answer["AnalyzeDocumentModelVersion"]
    assert any(b["BlockType"].startswith("LAYOUT_") for b in answer["Blocks"])
    assert line_texts(answer["Blocks"]) == expected["receipt.png"]
    with pytest.raises(textract.exceptions.InvalidJobIdException):  # an analysis is not a detection
        textract.get_document_text_detection(JobId=first)


def test_refusals_raise_textracts_modeled_exceptions(aws, bucket, files):
    textract = aws.client("textract")
    with pytest.raises(textract.exceptions.InvalidJobIdException):
        textract.get_document_text_detection(JobId="0" * 64)
    with pytest.raises(textract.exceptions.UnsupportedDocumentException):
        textract.detect_document_text(Document={"Bytes": b"name,total\nwidget,4.20\n"})
    with pytest.raises(textract.exceptions.UnsupportedDocumentException, match="single page"):
        textract.detect_document_text(Document={"Bytes": files["three.pdf"].read_bytes()})
    with pytest.raises(textract.exceptions.InvalidS3ObjectException):
        textract.detect_document_text(Document={"S3Object": {"Bucket": bucket, "Name": "in/absent.png"}})
    with pytest.raises(textract.exceptions.InvalidS3ObjectException):
        textract.start_document_text_detection(DocumentLocation={"S3Object": {"Bucket": "nobody", "Name": "x.pdf"}})


def test_a_failed_job_says_why(aws, bucket):
    textract, s3 = aws.client("textract"), aws.client("s3")
    s3.put_object(Bucket=bucket, Key="in/notes.txt", Body=b"plain text, not a document")
    job_id = textract.start_document_text_detection(
        DocumentLocation={"S3Object": {"Bucket": bucket, "Name": "in/notes.txt"}})["JobId"]
    response = wait_for(textract.get_document_text_detection, JobId=job_id)
    assert response["JobStatus"] == "FAILED"
    assert response["StatusMessage"].startswith("UnsupportedDocumentException")


def test_what_it_cannot_parse_gets_textracts_error_shape(server):
    url = server["AWS_ENDPOINT_URL_TEXTRACT"] + "/"
    for target, body, expected_type in (("Textract.DetectDocumentText", b"{not json", "SerializationException"),
                                        ("Textract.AnalyzeExpense", b"{}", "UnknownOperationException"),
                                        ("Textract.DetectDocumentText", b'{"Document": 3}',
                                         "InvalidParameterException")):
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 400
        assert json.loads(refused.value.read())["__type"] == expected_type


# amazon-textract-textractor ------------------------------------------------------------------------

def test_textractor_detects_analyzes_and_runs_a_job(aws, bucket, files, expected):
    from textractor import Textractor
    from textractor.data.constants import TextractAPI, TextractFeatures

    extractor = Textractor()
    image = Image.open(files["receipt.png"])
    detected = extractor.detect_document_text(image)
    assert line_texts(detected.response["Blocks"]) == expected["receipt-textractor.jpg"]
    assert all(text in detected.text for text in expected["receipt-textractor.jpg"][:3])
    analyzed = extractor.analyze_document(image, features=[TextractFeatures.LAYOUT, TextractFeatures.TABLES])
    assert line_texts(analyzed.response["Blocks"]) == expected["receipt-textractor.jpg"]
    assert analyzed.layouts and expected["receipt-textractor.jpg"][0] in analyzed.to_markdown()
    assert analyzed.tables == [] or all(table.to_markdown() for table in analyzed.tables)
    document = extractor.start_document_text_detection(f"s3://{bucket}/in/three.pdf", save_image=False)
    assert len(document.pages) == 3  # the lazy document polls the job here
    assert line_texts(document.response["Blocks"]) == expected["three.pdf"]
    assert "Page two says goodbye" in document.text
    again = extractor.get_result(document.job_id, TextractAPI.DETECT_TEXT)
    assert line_texts(again.response["Blocks"]) == expected["three.pdf"]


# amazon-textract-caller ----------------------------------------------------------------------------

def test_textract_caller_synchronous_and_asynchronous(aws, bucket, files, expected):
    from textractcaller import OutputConfig, Textract_API, call_textract
    from textractcaller.t_call import get_full_json, get_full_json_from_output_config

    client = aws.client("textract")
    synchronous = call_textract(input_document=files["receipt.png"].read_bytes(), boto3_textract_client=client)
    assert line_texts(synchronous["Blocks"]) == expected["receipt.png"]
    asynchronous = call_textract(input_document=f"s3://{bucket}/in/three.pdf", boto3_textract_client=client,
                                 job_done_polling_interval=0.25)
    assert asynchronous["JobStatus"] == "SUCCEEDED"
    assert line_texts(asynchronous["Blocks"]) == expected["three.pdf"]
    # OutputConfig, read back by the caller's own reader of Textract's output layout
    aws.client("s3").create_bucket(Bucket="caller-results")
    output = OutputConfig(s3_bucket="caller-results", s3_prefix="textract")
    started = call_textract(input_document=f"s3://{bucket}/in/three.pdf", boto3_textract_client=client,
                            output_config=output, return_job_id=True)
    done = get_full_json(started["JobId"], Textract_API.DETECT, client, job_done_polling_interval=0.25)
    written = get_full_json_from_output_config(output, started["JobId"], aws.client("s3"))
    assert written["Blocks"] == done["Blocks"] and line_texts(written["Blocks"]) == expected["three.pdf"]
