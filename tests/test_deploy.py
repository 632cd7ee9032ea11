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


def _readme_deploy_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Deploy with docker compose", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.strip().splitlines()]


def _dotenv(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def _interpolate(value: str, dotenv: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error}, read from .env as compose reads it."""

    def one(match):
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if dotenv.get(name):
            return dotenv[name]
        assert op != ":?", f"compose refuses to start: {arg}"
        return arg or ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", one, str(value))


def test_env_example_holds_no_secret_key_to_reuse():
    assert "DJANGO_SECRET_KEY" not in _dotenv(ROOT / ".env.example")
    assert "${DJANGO_SECRET_KEY:?" in (ROOT / "docker-compose.yml").read_text()  # compose refuses to start without


def test_gunicorn_is_published_on_the_hosts_loopback_only():
    services = _compose()["services"]
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert all("ports" not in service for name, service in services.items() if name != "web")
    # The proxy's X-Forwarded-Proto is trusted because nothing but the host's proxy reaches that port.
    assert services["web"]["environment"]["DJANGO_TLS_PROXY"] == "1"


def test_the_readme_deploy_steps_pass_check_deploy_with_no_warning(tmp_path):
    """The environment the README's deploy section produces: .env.example copied, a key generated its way."""
    import subprocess
    import sys

    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    [make_key] = [line for line in _readme_deploy_commands() if "DJANGO_SECRET_KEY=" in line]
    subprocess.run(make_key.split("#")[0], shell=True, cwd=tmp_path, check=True)
    dotenv = _dotenv(tmp_path / ".env")
    assert len(dotenv["DJANGO_SECRET_KEY"]) >= 50

    web = _compose()["services"]["web"]
    environment = {**dotenv, **{name: _interpolate(value, dotenv) for name, value in web["environment"].items()}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert environment["DJANGO_DEBUG"] == "0"
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr
