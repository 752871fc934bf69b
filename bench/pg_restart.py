"""PostgreSQL restarts under load: requests fail cleanly and the portal recovers by itself.

A throwaway PostgreSQL cluster of its own (initdb + pg_ctl, on a free port of 127.0.0.1, data
under /tmp, removed afterwards; the machine's own PostgreSQL is not touched), the portal
migrated and seeded into it, gunicorn as the Procfile runs it, and on loopback:
- every mentor (default 20, each in its own thread and logged in once) saves their week grid
  in a loop, each save different from the one before;
- a monitor asks /healthz ten times a second.
After --warm seconds the cluster is restarted (`pg_ctl restart -m fast`, or `-m immediate` for a
crash), and the load goes on for --after seconds. The script prints how many requests failed
during the restart and with which status, the longest request (nothing hangs), how long the
clients saw errors and how soon after PostgreSQL was back the first request succeeded again,
and checks that no acknowledged save was lost: each mentor's grid in the database is their last
save that answered 302 (or a later one that was cut off mid-way).

    .venv/bin/python bench/pg_restart.py [--mentors 20] [--warm 10] [--after 20] [--mode fast]

Needs PostgreSQL's initdb and pg_ctl (PATH, /usr/lib/postgresql/*/bin or PG_BIN); as root the
cluster runs as the `postgres` user (initdb refuses root).
"""

import argparse
import glob
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
OUT = ROOT / "bench" / "out"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEVERITY_FIELD = re.compile(r'name="(s-(\d+)-([a-z_]+))"')
NOTE_FIELD = re.compile(r'name="note-(\d+)"')


class Cluster:
    """initdb/pg_ctl on a port of its own; as root, through the postgres user."""

    def __init__(self, port, mode):
        self.port, self.mode = port, mode
        self.bin = Path(os.environ.get("PG_BIN") or Path(shutil.which("pg_ctl") or next(
            iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)), "pg_ctl")).parent)
        self.dir = Path(tempfile.mkdtemp(prefix="leerroute-pg-"))
        self.data, self.log = self.dir / "data", self.dir / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def run(self, *command):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *command], check=True, capture_output=True, text=True)

    def init(self):
        self.run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "--no-sync", "-E", "UTF8")
        self.start()

    def pg_ctl(self, action, *extra):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        return self.run(str(self.bin / "pg_ctl"), action, "-D", str(self.data), "-l", str(self.log),
                        "-w", "-t", "60", "-o", options, *extra)

    def start(self):
        self.pg_ctl("start")

    def restart(self, down=0.0):
        if not down:
            self.pg_ctl("restart", "-m", self.mode)
            return
        self.run(str(self.bin / "pg_ctl"), "stop", "-D", str(self.data), "-w", "-m", self.mode)
        time.sleep(down)  # an outage: PostgreSQL is not there at all
        self.start()

    def remove(self):
        try:
            self.pg_ctl("stop", "-m", "immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/leerroute_pgrestart"


class Browser:
    """A logged-in mentor: cookies, CSRF token, and a log of every request."""

    def __init__(self, base, log):
        self.base, self.log = base, log
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)

    def request(self, kind, path, data=None):
        started = time.monotonic()
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        except OSError as error:  # refused, reset, timed out
            status, text = type(error).__name__, ""
        self.log.append((started, time.monotonic(), kind, status))
        return status, text

    def login(self, email, password):
        _status, page = self.request("login page", "/account/login/")
        status, _text = self.request("log in", "/account/login/", {
            "username": email, "password": password, "csrfmiddlewaretoken": CSRF.search(page).group(1)})
        assert status == 302, f"login of {email} failed: {status}"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def mentor_loop(browser, stop, saves):
    """Open the grid, save it with the next value, again and again; note each save's answer."""
    n = 0
    while not stop.is_set():
        status, page = browser.request("week grid", "/leerlingen/week/")
        if status != 200:
            time.sleep(0.2)
            continue
        n += 1
        severity = n % 4  # 1, 2, 3, 0, 1, ...: every save changes the first mentee's motivation
        data = {"csrfmiddlewaretoken": CSRF.search(page).group(1)}
        first = min(int(pk) for pk in NOTE_FIELD.findall(page))
        for name, pk, category in SEVERITY_FIELD.findall(page):
            data[name] = str(severity if (int(pk), category) == (first, "motivation") else 0)
        for pk in NOTE_FIELD.findall(page):
            data[f"subject-{pk}"], data[f"note-{pk}"] = "", ""
        status, _text = browser.request("save week grid", "/leerlingen/week/", data)
        saves.append((first, severity, status))


def monitor_loop(browser, stop):
    while not stop.is_set():
        browser.request("healthz", "/healthz")
        time.sleep(0.1)


def report(log, restart_started, restart_done):
    failed = [r for r in log if r[3] not in (200, 302)]
    during = [r for r in log if r[1] >= restart_started]
    print(f"\nrequests: {len(log)}, failed: {len(failed)}")
    by_status = {}
    for _s, _e, kind, status in failed:
        by_status[(kind, status)] = by_status.get((kind, status), 0) + 1
    for (kind, status), n in sorted(by_status.items(), key=str):
        print(f"  {n:>4}× {kind}: {status}")
    longest = max(log, key=lambda r: r[1] - r[0])
    print(f"longest request: {1000 * (longest[1] - longest[0]):.0f} ms ({longest[2]}, {longest[3]})")
    print(f"PostgreSQL was back {restart_done - restart_started:.2f} s after the restart began")
    if failed:
        first_failure, last_failure = min(r[0] for r in failed), max(r[1] for r in failed)
        print(f"failed requests ran from {first_failure - restart_started:+.2f} s to "
              f"{last_failure - restart_started:+.2f} s (relative to the restart; a negative start "
              f"is a request in flight when it began)")
    after = [r for r in during if r[0] >= restart_done and r[3] in (200, 302)]
    if after:
        print(f"first success {after[0][1] - restart_done:.2f} s after PostgreSQL was back; "
              f"failures after that: {sum(1 for r in failed if r[0] > after[0][1])}")
    return failed


def check_saves(all_saves):
    """Each mentor's stored severity is their last acknowledged save or a later, cut-off one."""
    from students.models import Signal

    lost = 0
    for saves in all_saves:
        acknowledged = [i for i, (_pk, _sev, status) in enumerate(saves) if status == 302]
        if not acknowledged:
            continue
        last = acknowledged[-1]
        student = saves[last][0]
        possible = {saves[i][1] for i in range(last, len(saves))}
        row = Signal.objects.filter(student_id=student, category="motivation").order_by("-week").first()
        stored = row.severity if row else 0
        lost += stored not in possible
    print(f"acknowledged saves lost: {lost} (of {len(all_saves)} mentors, "
          f"{sum(len(s) for s in all_saves)} saves)")
    return lost


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=20)
    parser.add_argument("--warm", type=float, default=10)
    parser.add_argument("--after", type=float, default=20)
    parser.add_argument("--mode", choices=("fast", "immediate"), default="fast",
                        help="pg_ctl's shutdown mode: fast (a restart) or immediate (a crash)")
    parser.add_argument("--down", type=float, default=0,
                        help="stay down this many seconds between stop and start (default: restart)")
    args = parser.parse_args()

    from load_week_grid import free_port, start_gunicorn

    cluster = Cluster(free_port(), args.mode)
    print(f"throwaway cluster: {cluster.bin}, port {cluster.port}, {cluster.dir}")
    cluster.init()
    try:
        os.environ["DATABASE_URL"] = cluster.url
        import load_week_grid

        load_week_grid.setup()  # creates the database, migrates
        _school, mentors = load_week_grid.seed(args.mentors, 5)
        from django.db import connection

        connection.close()
        OUT.mkdir(parents=True, exist_ok=True)
        port = free_port()
        with (OUT / "pg_restart_gunicorn.log").open("w") as server_log:
            server = start_gunicorn(port, server_log)
            try:
                run(args, cluster, mentors, server_log, f"http://127.0.0.1:{port}")
            finally:
                server.terminate()
                server.wait(timeout=30)
    finally:
        cluster.remove()


def run(args, cluster, mentors, server_log, base):
    from load_week_grid import PASSWORD

    log, stop = [], threading.Event()
    browsers = [Browser(base, log) for _m in mentors]
    for browser, mentor in zip(browsers, mentors):
        browser.login(mentor.email, PASSWORD)
    all_saves = [[] for _m in mentors]
    threads = [threading.Thread(target=mentor_loop, args=(b, stop, s)) for b, s in zip(browsers, all_saves)]
    threads.append(threading.Thread(target=monitor_loop, args=(Browser(base, log), stop)))
    log.clear()
    for thread in threads:
        thread.start()
    time.sleep(args.warm)
    print(f"{len(log)} requests in the first {args.warm:.0f} s; restarting PostgreSQL ({args.mode}"
          + (f", down for {args.down:.0f} s" if args.down else "") + ")", flush=True)
    restart_started = time.monotonic()
    cluster.restart(args.down)
    restart_done = time.monotonic()
    time.sleep(args.after)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    failed = report(sorted(log), restart_started, restart_done)
    statuses = re.findall(r'"(?:GET|POST) [^"]*" (\d{3}) ', Path(server_log.name).read_text())
    print("gunicorn answered: " + ", ".join(f"{statuses.count(c)}× {c}" for c in sorted(set(statuses))))
    lost = check_saves(all_saves)
    non_http = [r for r in failed if not isinstance(r[3], int)]
    if lost or non_http:
        print("FAILED: " + ("lost saves; " if lost else "") + ("requests without an HTTP answer" if non_http else ""))
        sys.exit(1)


if __name__ == "__main__":
    main()
