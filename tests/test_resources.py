"""Where the package's data lives, and where Hypothesis may write."""

import pytest
from hypothesis import configuration

from conformance._resources import cassettes_dir, keep_hypothesis_out_of, schemas_dir
from conformance.errors import ResourceNotFound


def test_checkout_data_is_found():
    assert (schemas_dir() / "chat.request.json").is_file()
    assert (cassettes_dir() / "PROVENANCE.json").is_file()


def test_environment_variable_wins_and_is_checked(monkeypatch, tmp_path):
    monkeypatch.setenv("KIMI_CONFORMANCE_CASSETTES", str(tmp_path))
    assert cassettes_dir() == tmp_path
    monkeypatch.setenv("KIMI_CONFORMANCE_CASSETTES", str(tmp_path / "missing"))
    with pytest.raises(ResourceNotFound, match="is not a directory"):
        cassettes_dir()


@pytest.fixture
def restore_hypothesis_home():
    yield
    configuration.set_hypothesis_home_dir(None)


def test_hypothesis_storage_leaves_a_project_without_it(
    tmp_path, monkeypatch, restore_hypothesis_home
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = tmp_path / "project"
    project.mkdir()
    home = keep_hypothesis_out_of(project)
    assert home == tmp_path / "cache" / "kimi-conformance" / "hypothesis"
    assert configuration.storage_directory("x").path.parent == home


def test_a_project_using_hypothesis_keeps_its_folder(tmp_path, restore_hypothesis_home):
    (tmp_path / ".hypothesis").mkdir()
    assert keep_hypothesis_out_of(tmp_path) is None


def test_the_suite_folder_is_the_one_shipped() -> None:
    from pathlib import Path

    from conformance import _resources, suite

    assert Path(suite.__file__).resolve().parent == _resources.SUITE_DIR
    assert (_resources.SUITE_DIR / "suite.ini").is_file()
