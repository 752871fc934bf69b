"""Vendored front-end assets (static/vendor/, written by `manage.py vendor_assets`).

These tests never download anything: they check the committed output only.
"""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command


@pytest.fixture
def vendor_dir():
    return Path(settings.BASE_DIR) / "static" / "vendor"


@pytest.fixture
def vendor_copy(vendor_dir, tmp_path):
    """A scratch copy of static/vendor/ that tests may damage."""
    copy = tmp_path / "vendor"
    shutil.copytree(vendor_dir, copy)
    return copy


def test_check_passes_on_committed_files():
    out = StringIO()
    call_command("vendor_assets", "--check", stdout=out)
    assert "OK" in out.getvalue()


def test_check_detects_one_changed_byte(vendor_copy):
    call_command("vendor_assets", "--check", "--dir", str(vendor_copy), stdout=StringIO())

    target = vendor_copy / "chartjs" / "chart.umd.min.js"
    data = bytearray(target.read_bytes())
    data[100] ^= 0x01
    target.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="sha256 mismatch.*chartjs/chart.umd.min.js"):
        call_command("vendor_assets", "--check", "--dir", str(vendor_copy))


def test_check_detects_missing_file(vendor_copy):
    (vendor_copy / "bootstrap" / "css" / "bootstrap.min.css").unlink()

    with pytest.raises(CommandError, match="missing: bootstrap/css/bootstrap.min.css"):
        call_command("vendor_assets", "--check", "--dir", str(vendor_copy))


def test_versions_json_lists_packages_with_their_licence_files(vendor_dir):
    packages = {
        p["name"]: p for p in json.loads((vendor_dir / "VERSIONS.json").read_text())["packages"]
    }
    assert set(packages) == {"bootstrap", "chart.js", "axe-core"}
    for name, licence, licence_file, opening in [
        ("bootstrap", "MIT", "bootstrap/LICENSE", "The MIT License"),
        ("chart.js", "MIT", "chartjs/LICENSE.md", "The MIT License"),
        ("axe-core", "MPL-2.0", "axe-core/LICENSE", "Mozilla Public License"),
    ]:
        package = packages[name]
        assert package["license"] == licence
        assert package["integrity"].startswith("sha512-")
        assert licence_file in package["files"]
        assert (vendor_dir / licence_file).read_text().lstrip().startswith(opening)
