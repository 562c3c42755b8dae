"""S3 URIs: every valid key survives parsing, character for character (S3 keys are any UTF-8)."""

from __future__ import annotations

import pytest

from ocrflow.errors import StorageError
from ocrflow.storage import parse_s3_uri


@pytest.mark.parametrize("key", [
    "inputs/scan.pdf",                 # plain
    "inputs/receipt #12.pdf",          # fragment marker
    "inputs/a#b.pdf",
    "inputs/what?.pdf",                # query marker
    "inputs/a?versionId=3&x=1.pdf",
    "inputs/report 2026 final.pdf",    # spaces
    "inputs/%20literal%2Fpercent.pdf", # percent signs are not decoded
    "inputs/a+b;c=d,e@f:g!h$i'j(k)l*m~n.pdf",  # sub-delimiters and other reserved characters
    "inputs/Größe_ñ_日本語_🧾.pdf",     # unicode
    "inputs/double//slash.pdf",        # empty path segments
    "/leading-slash.pdf",              # a key may start with a slash
    "inputs/../dots/./x.pdf",          # dot segments are names in S3, not navigation
    "inputs/back\\slash.pdf",
    "prefix/",                         # a folder-like prefix
])
def test_every_key_character_class_survives(key):
    assert parse_s3_uri(f"s3://ocrflow-input/{key}") == ("ocrflow-input", key)


@pytest.mark.parametrize("uri", ["", "s3://", "s3://bucket", "s3://bucket/", "s3:///key", "https://bucket/key",
                                 "bucket/key", "S3:/bucket/key"])
def test_what_is_not_a_bucket_and_key_is_refused(uri):
    with pytest.raises(StorageError, match="not an s3://bucket/key URI"):
        parse_s3_uri(uri)
