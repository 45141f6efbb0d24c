"""``micrograd grade --cluster ADDRESS``: a batch graded on a Dask cluster, with the same grades.

Needs Dask's ``distributed`` (``pip install -e '.[cluster]'``) here and on every worker, with the
kit at the grader's version; nothing here imports it until a cluster is used. See
docs/grading.md, "Grading on a cluster".
"""

from autograder.cluster._client import ClusterError, ClusterExecutor, ClusterLostError
from autograder.cluster._policy import CLUSTER_LAYERS, WorkerRefusedError, cluster_isolation
from autograder.cluster._wire import WireError, read_result

__all__ = [
    "CLUSTER_LAYERS",
    "ClusterError",
    "ClusterExecutor",
    "ClusterLostError",
    "WorkerRefusedError",
    "WireError",
    "cluster_isolation",
    "read_result",
]
