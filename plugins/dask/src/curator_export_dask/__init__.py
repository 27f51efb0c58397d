"""curator-export plugin: the ``dask`` executor, batches on a Dask ``distributed`` cluster.

``curator-export export ... --executor dask --scheduler tcp://10.0.0.5:8786`` sends every
task (one job and one session, with its content) to the cluster's workers, which write into
the job's output folder: a folder every worker and this machine share. With ``--executor
dask`` alone an in-process local cluster is started and closed again.

This entry module stays cheap: ``distributed`` is imported when an executor is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from curator_export import hookimpl
from curator_export.distribution import version_attribute
from curator_export.records import ExecutorSpec

if TYPE_CHECKING:
    from curator_export_dask.executor import DaskExecutor


def make_dask_executor(**options: Any) -> DaskExecutor:
    """Build a ``DaskExecutor`` (see its docstring for the options)."""
    from curator_export_dask.executor import DaskExecutor

    return DaskExecutor(**options)


@hookimpl
def curator_export_executors() -> Sequence[ExecutorSpec]:
    return [
        ExecutorSpec(
            name="dask",
            factory=make_dask_executor,
            description="Dask distributed: a scheduler's workers, or a local cluster",
            # A lost worker's tasks run again on another worker.
            reruns_tasks=True,
        )
    ]


__getattr__ = version_attribute("curator-export-dask", __name__)
