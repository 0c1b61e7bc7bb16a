"""`--scheduler`: a Dask LocalCluster gives byte-identical results to the local executor."""

import pandas as pd
import pytest

from model.analysis.sweep import sweep
from model.runs.runner import run_scenario
from model.world.scenario import load_scenario

distributed = pytest.importorskip("dask.distributed")
pytestmark = pytest.mark.slow  # a local Dask cluster of two processes

SHORT = """\
name: short
title: A short test scenario
description: Two years with a nuclear test.
period: {start: 2026Q1, end: 2027Q4}
replicates: 40
seed: 99
sweep:
  sanctions_tightness: [0.0, 1.0]
  dprk_outreach: [0.0, 3.0]
shocks:
  - {at: 2026Q3, type: nuclear_test}
"""
FILES = (
    "timeseries.csv",
    "members.csv",
    "statements.csv",
    "events.csv",
    "summary.csv",
    "manifest.json",
    "report.md",
)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local.scheduler_address


@pytest.fixture
def scenario(write_scenario):
    return load_scenario(write_scenario(SHORT, "short"))


def test_ensemble_on_a_cluster_is_byte_identical(cluster, scenario, tmp_path):
    run_scenario(scenario, tmp_path / "local", workers=1)  # 40 replicates: three chunks
    run_scenario(scenario, tmp_path / "dask", scheduler=cluster)
    for name in FILES:
        assert (tmp_path / "dask" / name).read_bytes() == (
            tmp_path / "local" / name
        ).read_bytes(), name


def test_sweep_on_a_cluster_is_identical(cluster, scenario):
    local = sweep(scenario, "sobol", 8, replicates=4, workers=1)  # 32 points: two tasks
    remote = sweep(scenario, "sobol", 8, replicates=4, scheduler=cluster)
    pd.testing.assert_frame_equal(local.samples, remote.samples, check_exact=True)
    pd.testing.assert_frame_equal(local.indices, remote.indices, check_exact=True)
