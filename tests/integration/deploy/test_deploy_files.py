"""The files in ``deploy/`` as a council's IT team installs them: systemd accepts the units,
nginx accepts the site, and the README names every setting the product reads."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
UNITS = ("pathways-app.service", "pathways-monthly.service", "pathways-monthly.timer")


def installed(tmp: Path, name: str, replacements: dict[str, str]) -> Path:
    """A shipped file as installed: its install paths pointed at this checkout or at ``tmp``."""
    text = (ROOT / "deploy" / name).read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    (tmp / Path(name).name).write_text(text)
    return tmp / Path(name).name


def test_systemd_accepts_the_units_without_a_warning(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    # the units run the checkout installed at /opt/pathways: here, this one
    units = [installed(tmp_path, name, {"/opt/pathways": str(ROOT)}) for name in UNITS]
    done = subprocess.run(
        [analyze, "verify", "--man=no", *map(str, units)], capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == ""  # unknown keys and bad values are only warnings
    assert os.access(ROOT / "deploy" / "pathways-monthly", os.X_OK)


def test_nginx_accepts_the_tls_site(tmp_path, nginx):
    ssl = tmp_path / "ssl"
    ssl.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=pathways.test", "-keyout", str(ssl / "privkey.pem"),
         "-out", str(ssl / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = installed(
        tmp_path,
        "nginx/pathways.conf",
        {"/etc/nginx/pathways/": f"{ROOT / 'deploy' / 'nginx'}/", "/etc/ssl/pathways/": f"{ssl}/"},
    )
    conf = nginx.config(tmp_path, f"include {site};\n")
    done = subprocess.run(
        [nginx.binary, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr
    assert "[warn]" not in done.stderr


def test_nginx_refuses_a_broken_site(tmp_path, nginx):
    """The check above can fail: a site whose upgrade header names an unknown variable."""
    broken = (ROOT / "deploy" / "nginx" / "pathways-locations.conf").read_text()
    (tmp_path / "locations.conf").write_text(broken.replace("$pathways_connection", "$nowhere"))
    conf = nginx.config(
        tmp_path,
        f"server {{ listen 127.0.0.1:1; include {tmp_path / 'locations.conf'}; }}\n"
        "upstream pathways_dashboard { server 127.0.0.1:2; }\n",
    )
    done = subprocess.run([nginx.binary, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert done.returncode != 0 and "unknown" in done.stderr


def test_the_monthly_run_says_which_setting_is_missing(tmp_path):
    done = subprocess.run(
        ["/bin/sh", str(ROOT / "deploy" / "pathways-monthly")],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "set PATHWAYS_SOURCES to the folder holding this month's extracts" in done.stderr


def _variables(text: str) -> set[str]:
    return set(re.findall(r"\bPATHWAYS_[A-Z_]+[A-Z]\b", text))


def test_the_readme_table_names_every_setting_the_product_and_its_deploy_files_read():
    read = set()
    for folder in ("app", "pipelines", "deploy"):
        for path in (ROOT / folder).rglob("*"):
            if (
                path.is_file()
                and path.suffix in (".py", ".service", ".env", "")
                and "synthetic" not in path.parts
            ):
                read |= _variables(path.read_text(errors="ignore"))
    readme = (ROOT / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| `PATHWAYS_")]
    documented = {re.match(r"\| `(PATHWAYS_[A-Z_]+)`", row).group(1) for row in rows}
    assert read - {"PATHWAYS_SCHEMA", "PATHWAYS_DEFINITION"} <= documented
    assert documented <= read  # and no row for a setting nothing reads
    assert len(rows) == len(documented)  # one row each
