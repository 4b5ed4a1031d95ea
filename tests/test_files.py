"""talentkit.core.files: a whole new file or the old one, never half of one."""

import os

import pytest

from talentkit.core import files


def test_a_write_swaps_in_a_whole_file_with_a_plain_files_mode(tmp_path):
    target = tmp_path / "index.html"
    target.write_text("old")
    files.write_atomic(target, "new page")
    assert target.read_text() == "new page" and list(tmp_path.iterdir()) == [target]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path, monkeypatch):
    target = tmp_path / "run.json"
    target.write_text("{}")

    def full_disk(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError) as err:
        files.write_atomic(target, "x" * 1000)
    assert err.value.filename == str(target) and err.value.errno == 28
    assert target.read_text() == "{}" and list(tmp_path.iterdir()) == [target]


def test_a_planted_link_is_replaced_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    link = tmp_path / "report.html"
    link.symlink_to(outside)
    files.write_atomic(link, "report")
    assert outside.read_text() == "keep" and not link.is_symlink() and link.read_text() == "report"


def test_json_beside_a_report_reads_as_an_object_or_nothing(tmp_path):
    (tmp_path / "a.json").write_text('{"n": 1}')
    (tmp_path / "b.json").write_text("[1, 2]")
    (tmp_path / "c.json").write_text("{trunc")
    assert files.read_json(tmp_path / "a.json") == {"n": 1}
    assert files.read_json(tmp_path / "b.json") == files.read_json(tmp_path / "c.json") == {}
    assert files.read_json(tmp_path / "missing.json") == {}
