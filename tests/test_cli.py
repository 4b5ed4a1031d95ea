"""talentkit.cli: the command line accepts only what the next layer accepts, and says why in
its own terms."""

import pytest

from talentkit.cli import main


@pytest.mark.parametrize("value, said", [("1", "would show groups of 1 person"), ("2", "groups of 2 people"),
                                         ("0", "would turn suppression off"), ("x", "x")])
def test_data_profile_refuses_a_min_group_the_run_would_refuse(value, said, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["data", "profile", "synthetic:small", "--min-group", value])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "--min-group" in err and said in err
    assert "give 3 or more" in err or value == "x"
    assert "set allow_small_groups: true where" not in err  # no flag the command lacks is offered
