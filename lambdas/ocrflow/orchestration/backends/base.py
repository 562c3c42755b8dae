"""What a page state runs on: the ``Backend`` interface, and the ``Step`` it runs.

A backend is the one place that knows, for its runtime: the ASL task state (and so its error
mapping: which errors Retry sees and what reaches the Map's Catch), the Lambda functions that state
invokes or that carry its answers back, whether it waits for a callback (which keeps a document out of
the Express workflow), its local emulation, its CDK construct and its entry in the cost model. The
emulation and the construct are import paths, loaded by the local runner and the CDK app: this module
stays standard library only, as the CDK app and the ASL builder read it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from ...registry import FUSED, FUSED_STAGES, PAGE_STAGES, Function, Stage, camel


@dataclass(frozen=True)
class CostEntry:
    """How AWS bills a backend, for the cost model (``bench.cost``): what a page pays is measured,
    what an idle hour pays is the instances it keeps (``idle_instances`` x the instance's price)."""

    billed_by: str
    idle_instances: int = 0


@dataclass(frozen=True)
class Step:
    """One page state: a stage, or ``fused`` (the offloadable stages on one page read), and its backend."""

    key: str
    backend: "Backend"

    @property
    def stages(self) -> tuple[Stage, ...]:
        return FUSED_STAGES if self.key == FUSED else tuple(s for s in PAGE_STAGES if s.name == self.key)

    @property
    def state(self) -> str:
        return camel(self.key)

    @property
    def substitution(self) -> str:
        """The ``${...}`` placeholder of its endpoint's name in the ASL (endpoint backends)."""
        return f"{camel(self.key)}EndpointName"


Endpoint = Step  # a step whose backend is a SageMaker endpoint (``Backend.on_endpoint``)


class Backend(ABC):
    """A runtime for page states. One subclass per runtime, one file each; ``BACKENDS`` lists them."""

    name: ClassVar[str]
    on_endpoint: ClassVar[bool]  # a SageMaker endpoint serves it: its name is substituted into the ASL
    waits_for_callback: ClassVar[bool] = False  # .waitForTaskToken: Express workflows cannot run it
    # "package.module:Name" of the CDK construct built per endpoint (None: the stage's own function).
    construct: ClassVar[str | None] = None
    # "package.module:Name" of the local emulation, called as ``emulate(runner, steps)`` by the runner.
    emulator: ClassVar[str | None] = None
    cost: ClassVar[CostEntry]

    @abstractmethod
    def state(self, step: Step) -> dict:
        """The ASL task state of ``step``, with its Retry; the caller adds Next or End."""

    @abstractmethod
    def functions(self, step: Step) -> tuple[Function, ...]:
        """The Lambda functions the state invokes (their ARNs are substituted into the ASL)."""

    def support_functions(self) -> tuple[Function, ...]:
        """Functions deployed once when any step uses this backend, that the ASL does not invoke."""
        return ()

    def __repr__(self) -> str:
        return f"<backend {self.name}>"
