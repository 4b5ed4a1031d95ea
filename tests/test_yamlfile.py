"""talentkit.core.yamlfile: one bounded YAML reader, every failure a sentence with the fix."""

import pytest

from talentkit.core.errors import YAMLFileError
from talentkit.core.yamlfile import parse_yaml, read_yaml


def test_yaml_reads_as_written():
    assert parse_yaml("run: default\njobs:\n  - notebook: a.ipynb\n") == {"run": "default", "jobs": [{"notebook": "a.ipynb"}]}
    assert parse_yaml("") is None


@pytest.mark.parametrize("text, said", [
    ("run: [unclosed", "not valid YAML"),
    ("as_of: 2024-02-30", "a date that does not exist"),
    ("a: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: &y [*x, *x, *x, *x, *x, *x, *x, *x, *x, *x]\n"
     "c: [*y, *y, *y, *y, *y, *y, *y, *y, *y, *y]\n", "expands to more than"),
])
def test_bad_yaml_is_a_sentence_with_its_place_and_fix(text, said):
    with pytest.raises(YAMLFileError, match=said):
        parse_yaml(text, "run.yaml", max_nodes=500)


def test_a_path_that_is_not_a_yaml_file_is_said(tmp_path):
    with pytest.raises(YAMLFileError, match="not found"):
        read_yaml(tmp_path / "nope.yaml")
    with pytest.raises(YAMLFileError, match="is a folder"):
        read_yaml(tmp_path)
    (tmp_path / "latin.yaml").write_bytes("name: Jos\xe9\n".encode("latin-1"))
    with pytest.raises(YAMLFileError, match="not UTF-8"):
        read_yaml(tmp_path / "latin.yaml", "mapping file")
