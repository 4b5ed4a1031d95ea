"""talentkit.runs.runrecord: run.json written and read in one place each."""

import json

import pytest

from talentkit.core.errors import RunJSONError
from talentkit.runs.runrecord import JobRecord, RunRecord


def record(**extra) -> RunRecord:
    jobs = [JobRecord(name="01_metrics", notebook="notebooks/01_metrics.ipynb", output_notebook="01_metrics.ipynb",
                      parameters={"min_group": 5}),
            JobRecord(name="05_network", notebook="notebooks/05_network.ipynb", output_notebook="05_network.ipynb",
                      parameters={"as_of": "2025-09-30"})]
    return RunRecord(run="default", started="2026-01-01T00:00:00+00:00", jobs=jobs, **extra)


def test_what_is_saved_is_what_is_loaded_and_unknown_fields_are_kept(tmp_path):
    path = record(status="ok").save(tmp_path)
    doc = json.loads(path.read_text())
    doc["a_newer_kits_field"] = {"x": 1}
    path.write_text(json.dumps(doc))
    back = RunRecord.load(tmp_path)
    assert back.status == "ok" and back.jobs[1].parameters == {"as_of": "2025-09-30"}
    assert back.model_extra == {"a_newer_kits_field": {"x": 1}}


def test_the_day_a_run_describes(tmp_path):
    assert record(as_of="2025-12-31").run_day(tmp_path) == "2025-12-31"  # --as-of says it
    (tmp_path / "01_metrics").mkdir()
    (tmp_path / "01_metrics" / "data.json").write_text(json.dumps({"as_of": "2025-10-31"}))
    run = record()
    assert run.jobs[0].data_day(tmp_path) == "2025-10-31" and run.jobs[1].data_day(tmp_path) == "2025-09-30"
    assert run.run_day(tmp_path) == "2025-10-31"  # the latest its jobs' data describe
    assert RunRecord(run="r", started="s", jobs=[]).run_day(tmp_path) == ""
    assert run.jobs[0].day_from({"as_of": "2025-10-31"}) == "2025-10-31" and run.jobs[1].day_from({}) == "2025-09-30"
    assert RunRecord.status_in(tmp_path) == ""  # no record here
    record(status="ok").save(tmp_path)
    assert RunRecord.status_in(tmp_path) == "ok"


@pytest.mark.parametrize("text, said", [("{", "not complete JSON"), ("[1]", "holds a list"),
                                        ('{"run": "r", "started": "s"}', "field 'jobs'")])
def test_a_damaged_record_is_named_with_its_field_and_peek_passes_over_it(tmp_path, text, said):
    (tmp_path / "run.json").write_text(text)
    with pytest.raises(RunJSONError, match=said) as err:
        RunRecord.load(tmp_path)
    assert str(tmp_path / "run.json") in str(err.value) and "--new" in str(err.value)
    assert RunRecord.peek(tmp_path) is None
    assert RunRecord.peek(tmp_path / "nowhere") is None


def test_a_job_changes_only_through_the_records_callbacks():
    run = record()
    run.set_status(0, "running")
    run.finish_job(1, {"status": "ok", "duration_s": 1.5})
    run.end_unfinished(interrupted=True)
    assert [j.status for j in run.jobs] == ["interrupted", "ok"] and run.jobs[1].duration_s == 1.5
