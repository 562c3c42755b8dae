"""Variants (``ocrflow.variants``): a document may run a declared variant only where its models are
installed, so a variant of on-demand models is refused at submission, with what to do."""

from __future__ import annotations

import pytest

from ocrflow.errors import PayloadError
from ocrflow.inference.models import model_specs
from ocrflow.variants import variants


def test_a_variant_of_an_on_demand_model_is_refused_where_the_model_is_not_installed(tmp_path, monkeypatch):
    monkeypatch.setenv("OCRFLOW_MODEL_DIR", str(tmp_path))
    declared = variants()
    with pytest.raises(PayloadError, match="pp-ocrv6-rec-small-latin-int8.*ocrflow models fetch --model"):
        declared.require("int8-rec")
    assert declared.require("baseline") == "baseline" and declared.require(None) is None


def test_the_same_variant_runs_once_its_model_is_there(tmp_path, monkeypatch):
    monkeypatch.setenv("OCRFLOW_MODEL_DIR", str(tmp_path))
    (tmp_path / {s.name: s for s in model_specs()}["pp-ocrv6-rec-small-latin-int8"].filename).write_bytes(b"")
    assert variants().require("int8-rec") == "int8-rec"
    assert variants().absent_models("int8-rec", tmp_path) == []


def test_an_undeclared_variant_names_the_declared_ones():
    with pytest.raises(PayloadError, match="declared: baseline"):
        variants().require("nonesuch")
