"""The commands find the key `make run` keeps in the data folder; production does not."""

from __future__ import annotations

import os

import pytest

from joinedup.cli import use_local_secret_key

from .conftest import run_joinedup

KEY = "a-local-key-" * 5
PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    (tmp_path / "secret_key").write_text(KEY + "\n")
    for name in ("SECRET_KEY", "HTTPS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path))
    return tmp_path


def test_the_kept_key_is_used_when_none_is_set(data_dir):
    use_local_secret_key()
    assert os.environ["SECRET_KEY"] == KEY


def test_a_key_in_the_environment_wins(data_dir, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    use_local_secret_key()
    assert os.environ["SECRET_KEY"] == "from-the-environment"


def test_production_does_not_read_the_file(data_dir, monkeypatch):
    monkeypatch.setenv("HTTPS", "on")
    use_local_secret_key()
    assert "SECRET_KEY" not in os.environ


def test_no_file_no_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("HTTPS", raising=False)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path))
    use_local_secret_key()
    assert "SECRET_KEY" not in os.environ


def test_a_command_runs_with_the_kept_key_and_production_still_requires_it(data_dir):
    local = run_joinedup("shell", "-c", PRINT_KEY, env={"JOINEDUP_DATA_DIR": str(data_dir)})
    assert local.returncode == 0, local.stderr
    assert local.stdout.strip().splitlines()[-1] == KEY
    production = run_joinedup("shell", "-c", PRINT_KEY,
                              env={"JOINEDUP_DATA_DIR": str(data_dir), "HTTPS": "on"})
    assert production.returncode == 2
    assert "joinedup: SECRET_KEY must be set" in production.stderr
