"""Vendor pinned front-end releases from the npm registry into static/vendor/.

Schools run the portal offline, so Bootstrap and Chart.js are served from our own
static files rather than a CDN. `make assets` runs this command; its output is
committed, so running the portal needs Python only, never node.

    python manage.py vendor_assets           # download, verify, rewrite static/vendor/
    python manage.py vendor_assets --check   # offline: files match VERSIONS.json
"""

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# To upgrade: change version, then `npm view NAME@VERSION dist.integrity` for the new
# integrity. The integrity is pinned here, not trusted from the registry, so a
# re-published or tampered tarball fails loudly instead of being committed.
# "files" maps a path inside the tarball to a path under static/vendor/<dest>/.
# Target names carry no version, so templates survive upgrades. Source maps are
# kept: the .min files end in `sourceMappingURL=...`, and with the manifest
# storage (whitenoise) collectstatic fails if the referenced map is missing.
PINS = [
    {
        "name": "bootstrap",
        "version": "5.3.8",
        "integrity": "sha512-HP1SZDqaLDPwsNiqRqi5NcP0SSXciX2s9E+RyqJIIqGo+vJeN5AJVM98CXmW/Wux0nQ5L7jeWUdplCEf0Ee+tg==",
        "license": "MIT",
        "dest": "bootstrap",
        "files": {
            "dist/css/bootstrap.min.css": "css/bootstrap.min.css",
            "dist/css/bootstrap.min.css.map": "css/bootstrap.min.css.map",
            "dist/js/bootstrap.bundle.min.js": "js/bootstrap.bundle.min.js",
            "dist/js/bootstrap.bundle.min.js.map": "js/bootstrap.bundle.min.js.map",
            "LICENSE": "LICENSE",
        },
    },
    {
        "name": "chart.js",
        "version": "4.5.1",
        "integrity": "sha512-GIjfiT9dbmHRiYi6Nl2yFCq7kkwdkp1W/lp2J99rX0yo9tgJGn3lKQATztIjb5tVtevcBtIdICNWqlq5+E8/Pw==",
        "license": "MIT",
        "dest": "chartjs",
        "files": {
            "dist/chart.umd.min.js": "chart.umd.min.js",
            "dist/chart.umd.min.js.map": "chart.umd.min.js.map",
            "LICENSE.md": "LICENSE.md",
        },
    },
    {
        # Not used by any page: the browser tests inject it to audit every page (WCAG 2.1 AA).
        "name": "axe-core",
        "version": "4.14.1",
        "integrity": "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        "license": "MPL-2.0",
        "dest": "axe-core",
        "files": {
            "axe.min.js": "axe.min.js",
            "LICENSE": "LICENSE",
        },
    },
]


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def safe_join(root, rel):
    """root/rel, refusing absolute paths and '..' so nothing lands outside root."""
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
        raise CommandError(f"Unsafe path {rel!r}")
    return root.joinpath(*parts)


class Command(BaseCommand):
    help = "Download pinned Bootstrap/Chart.js from npm, verify them, write static/vendor/."
    # Touches no models or database: runs even while the project's checks fail.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true",
                            help="Do not download; verify files against VERSIONS.json.")
        parser.add_argument("--dir", type=Path, default=None,
                            help="Vendor directory (default: BASE_DIR/static/vendor).")

    def handle(self, *args, **options):
        vendor_dir = options["dir"] or Path(settings.BASE_DIR) / "static" / "vendor"
        if options["check"]:
            return self.verify(vendor_dir)
        # The directory is replaced wholesale; never do that to one we did not write.
        ours = (vendor_dir / "VERSIONS.json").exists()
        if vendor_dir.exists() and any(vendor_dir.iterdir()) and not ours:
            raise CommandError(f"Refusing to replace {vendor_dir}: not empty, no VERSIONS.json")
        with tempfile.TemporaryDirectory() as tmp:
            # Build the whole tree aside and swap it in only once every package has
            # passed its checks: a failure never leaves a half-updated static/vendor/.
            # The swap also removes files left over from previous versions.
            staging = Path(tmp) / "vendor"
            packages = [self.vendor(pin, Path(tmp), staging) for pin in PINS]
            manifest = {"generated_by": "python manage.py vendor_assets", "packages": packages}
            # No timestamps: re-running with unchanged pins gives a byte-identical tree.
            (staging / "VERSIONS.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
            (staging / "README.md").write_text(readme(packages), "utf-8")
            shutil.rmtree(vendor_dir, ignore_errors=True)
            shutil.copytree(staging, vendor_dir)
        for p in packages:
            self.stdout.write(f"{p['name']} {p['version']} ({p['license']}): {len(p['files'])} files")
        self.stdout.write(self.style.SUCCESS(f"Wrote {vendor_dir}"))

    def vendor(self, pin, tmp, staging):
        name, version = pin["name"], pin["version"]
        # --silent drops npm's warnings; with --json, errors then arrive as JSON on stdout.
        cmd = ["npm", "pack", f"{name}@{version}", "--json", "--silent", "--pack-destination", str(tmp)]
        try:
            result = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        except FileNotFoundError:
            raise CommandError("npm not found; needed to download (not for --check)") from None
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            raise CommandError(f"npm pack {name}@{version} failed:\n{output}")
        tgz = tmp / json.loads(result.stdout)[0]["filename"]

        digest = base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
        if f"sha512-{digest}" != pin["integrity"]:
            raise CommandError(f"{name}@{version}: tarball sha512 does not match the pinned "
                               f"integrity (got sha512-{digest}). Not vendoring it.")

        with tarfile.open(tgz, "r:gz") as tar:
            meta = json.load(self.member(tar, name, "package.json"))
            licence = meta.get("license")
            if meta.get("name") != name or meta.get("version") != version:
                raise CommandError(f"{name}@{version}: package.json says "
                                   f"{meta.get('name')}@{meta.get('version')}")
            if licence != pin["license"]:
                raise CommandError(f"{name}@{version}: licence is {licence!r}, "
                                   f"expected {pin['license']!r}; review before vendoring")
            files = {}
            for src, target in pin["files"].items():
                # Only regular files, read by name and written to a path we chose:
                # tarball paths, symlinks and '..' entries never reach the disk.
                rel = f"{pin['dest']}/{target}"
                out = safe_join(staging, rel)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(self.member(tar, name, src).read())
                files[rel] = sha256(out)
        return {"name": name, "version": version, "license": licence,
                "integrity": pin["integrity"], "files": files}

    def member(self, tar, name, path):
        # npm tarballs keep everything under a top-level "package/" directory.
        try:
            info = tar.getmember(f"package/{path}")
        except KeyError:
            raise CommandError(f"{name}: {path} not found in the tarball") from None
        if not info.isfile():
            raise CommandError(f"{name}: {path} is not a regular file in the tarball")
        return tar.extractfile(info)

    def verify(self, vendor_dir):
        manifest_path = vendor_dir / "VERSIONS.json"
        if not manifest_path.is_file():
            raise CommandError(f"{manifest_path} is missing; run `python manage.py vendor_assets`.")
        packages = json.loads(manifest_path.read_text("utf-8"))["packages"]
        problems = []
        # A pin bumped in this file without re-running the command is also a failure.
        pinned = {(p["name"], p["version"], p["integrity"]) for p in PINS}
        recorded = {(p["name"], p["version"], p["integrity"]) for p in packages}
        if pinned != recorded:
            problems.append(f"VERSIONS.json {sorted(recorded)} != PINS {sorted(pinned)}")
        for package in packages:
            for rel, expected in package["files"].items():
                path = safe_join(vendor_dir, rel)
                if not path.is_file():
                    problems.append(f"missing: {rel}")
                elif sha256(path) != expected:
                    problems.append(f"sha256 mismatch (modified?): {rel}")
        if problems:
            raise CommandError(f"{vendor_dir} does not match VERSIONS.json:\n  "
                               + "\n  ".join(problems)
                               + "\nRun `python manage.py vendor_assets` to regenerate.")
        count = sum(len(p["files"]) for p in packages)
        self.stdout.write(self.style.SUCCESS(f"OK: {count} vendored files match VERSIONS.json"))


def readme(packages):
    lines = [
        "# Vendored front-end assets",
        "",
        "Generated by `python manage.py vendor_assets` (`make assets`) from pinned npm",
        "releases; the pins live in `portal/management/commands/vendor_assets.py`.",
        "Do not edit by hand: the whole directory is rewritten on each run.",
        "`python manage.py vendor_assets --check` verifies the files against `VERSIONS.json`.",
        "",
        "| Package | Version | Licence | Files |",
        "|---|---|---|---|",
    ]
    for p in packages:
        files = ", ".join(f"`{rel}`" for rel in p["files"])
        lines.append(f"| {p['name']} | {p['version']} | {p['license']} | {files} |")
    return "\n".join(lines) + "\n"
