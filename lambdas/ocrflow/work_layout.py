"""Where one execution's objects live in the work bucket: the key layout that the tasks write and
read, and that the CDK app grants (``infra/ocrflow_infra/workflow.py``). Plain strings, so the CDK
app imports it without numpy or OpenCV (``storage.py`` has the client that reads and writes them)."""

from __future__ import annotations

from dataclasses import dataclass

PAGE_LIST = "pages.json"  # a run's page list, beside its pages/ folder


@dataclass(frozen=True)
class WorkLayout:
    """Where one execution's intermediate and final objects live in the work bucket."""

    document_id: str
    run_id: str

    @property
    def prefix(self) -> str:
        return f"work/{self.document_id}/{self.run_id}"

    def page_list(self) -> str:
        """The pages (PageRef JSON array) for a Distributed Map's ItemReader."""
        return f"{self.prefix}/{PAGE_LIST}"

    def page_image(self, page: int) -> str:
        return f"{self.prefix}/pages/{page:04d}/page"

    def stage_output(self, page: int, stage: str) -> str:
        """A stage output too large to carry in the state (``PageTask.carried``)."""
        return f"{self.prefix}/pages/{page:04d}/{stage}.json"

    def page_outputs(self, page: int) -> str:
        """Every stage's output for the page, stored by the last page stage."""
        return f"{self.prefix}/pages/{page:04d}/outputs.json"

    def request(self, page: int, stage: str) -> str:
        """A stage request handed to an endpoint (it takes its input from S3)."""
        return f"{self.prefix}/pages/{page:04d}/{stage}.request.json"

    def result(self, name: str) -> str:
        return f"results/{self.document_id}/{self.run_id}/{name}"
