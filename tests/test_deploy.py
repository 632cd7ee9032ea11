"""docker-compose.yml parses and stays in step with config/settings.py (no Docker engine here to run it)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_ONLY = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _settings_variables():
    text = (ROOT / "config" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', text))


def test_compose_file_parses_with_the_services_the_tracker_needs():
    services = _compose()["services"]
    assert {"db", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    assert services["db"]["image"].startswith("postgis/postgis:15")
    assert "celery" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_every_app_variable_in_compose_is_read_by_settings():
    read = _settings_variables()
    for name in ("web", "worker", "beat", "migrate"):
        env = _compose()["services"][name]["environment"]
        unknown = set(env) - read - COMPOSE_ONLY
        assert not unknown, f"{name} sets variables settings.py never reads: {unknown}"
        for required in ("DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
            assert required in env, f"{name} lacks {required}"
        assert env["DJANGO_DEBUG"] == "0"


def test_dockerfile_serves_the_wsgi_app_that_exists():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.lock" in dockerfile
    assert "config.wsgi:application" in dockerfile
    assert (ROOT / "config" / "wsgi.py").exists()


def test_dependencies_are_pinned_exactly_and_agree_with_the_lock():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = project["dependencies"] + project["optional-dependencies"]["dev"]
    lock = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line
    }
    for pin in pins:
        name, _, version = pin.partition("==")
        assert version, f"{pin} is not pinned exactly"
        key = re.sub(r"\[.*\]", "", name).lower().replace("_", "-")
        assert lock.get(key) == version, f"{pin} disagrees with requirements.lock ({lock.get(key)})"


def test_the_image_is_not_in_debug_mode_by_default():
    """manage.py defaults to DEBUG for developers; the image must not inherit that."""
    assert "DJANGO_DEBUG=0" in (ROOT / "Dockerfile").read_text()
