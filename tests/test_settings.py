"""Settings come from the environment, typed, and fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from joinedup.env import SettingError, env_bool, env_int, env_list


def settings_in_subprocess(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "PYTEST_VERSION",
                          "PYTEST_CURRENT_TEST"}}
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='joinedup.settings';"
            "from django.conf import settings; d=settings.DATABASES['default'];"
            "print(d['ENGINE'], d['NAME'], settings.DEBUG)")
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env},
                          capture_output=True, text=True)


def test_booleans_are_strict(monkeypatch):
    monkeypatch.setenv("DEBUG", "yes")
    assert env_bool("DEBUG") is True
    monkeypatch.setenv("DEBUG", "off")
    assert env_bool("DEBUG") is False
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(SettingError, match="DEBUG='maybe'"):
        env_bool("DEBUG")


def test_numbers_and_lists(monkeypatch):
    monkeypatch.setenv("WORKERS", "three")
    with pytest.raises(SettingError) as refused:
        env_int("WORKERS", 2)
    assert str(refused.value) == "WORKERS='three' is not a whole number"
    monkeypatch.setenv("WORKERS", "0")
    with pytest.raises(SettingError) as refused:
        env_int("WORKERS", 2, minimum=1)
    assert str(refused.value) == "WORKERS=0 is below the minimum of 1"
    monkeypatch.setenv("HOSTS", " a.example, b.example ,")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_sqlite_in_var_is_the_default(tmp_path):
    result = settings_in_subprocess(SECRET_KEY="k", JOINEDUP_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    engine, name, debug = result.stdout.split()
    assert engine.endswith("sqlite3")
    assert name == str(tmp_path / "joinedup.sqlite3")
    assert debug == "False"


def test_database_url_selects_postgresql(tmp_path):
    result = settings_in_subprocess(SECRET_KEY="k", JOINEDUP_DATA_DIR=str(tmp_path),
                                    DATABASE_URL="postgres://u:p@127.0.0.1:5432/partnership")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["django.db.backends.postgresql", "partnership"]


def test_background_work_is_queued_in_the_database_and_sqlite_writers_take_turns(tmp_path):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "PYTEST_VERSION", "PYTEST_CURRENT_TEST"}}
    code = ("import os; os.environ['DJANGO_SETTINGS_MODULE']='joinedup.settings';"
            "from django.conf import settings; o=settings.DATABASES['default']['OPTIONS'];"
            "print(settings.TASKS['default']['BACKEND'], o['transaction_mode'], o['timeout'])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**clean, "SECRET_KEY": "k", "JOINEDUP_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django_tasks_db.DatabaseBackend", "IMMEDIATE", "60"]


def test_an_unknown_database_is_refused(tmp_path):
    result = settings_in_subprocess(SECRET_KEY="k", JOINEDUP_DATA_DIR=str(tmp_path),
                                    DATABASE_URL="mysql://u@h/db")
    assert result.returncode == 1  # the settings module raised on import
    assert result.stderr.splitlines()[-1] == (
        "joinedup.env.SettingError: DATABASE_URL must start with sqlite:// or postgres://, "
        "not 'mysql'")


def test_a_secret_key_is_required_unless_debugging(tmp_path):
    missing = settings_in_subprocess(JOINEDUP_DATA_DIR=str(tmp_path))
    assert missing.returncode == 1  # the settings module raised on import
    assert missing.stderr.splitlines()[-1] == (
        "joinedup.env.SettingError: SECRET_KEY must be set when DEBUG is off. `make run` "
        "generates one in var/secret_key; on a server, set it from your secret store.")
    debugging = settings_in_subprocess(JOINEDUP_DATA_DIR=str(tmp_path), DEBUG="1")
    assert debugging.returncode == 0, debugging.stderr
    assert debugging.stdout.split()[2] == "True"


def test_the_cli_reports_setting_errors_plainly(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "PYTEST_VERSION"}}
    result = subprocess.run(
        [sys.executable, "-m", "joinedup.cli", "check"],
        env={**clean, "JOINEDUP_DATA_DIR": str(tmp_path), "DEBUG": "perhaps"},
        capture_output=True, text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "joinedup: DEBUG='perhaps' is not a yes/no value; use one of 1, on, true, yes or 0, "
        "false, no, off"
    )
