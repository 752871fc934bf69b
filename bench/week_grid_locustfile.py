"""Locust users for bench/load_week_grid.py: each virtual mentor saves the week grid once.

Not run on its own: load_week_grid.py seeds the school, writes the plan (who logs in, what each
mentor fills in) to the file named by WEEK_GRID_PLAN, starts gunicorn and runs
`locust --headless -f bench/week_grid_locustfile.py`.

One mentor's journey, as in a browser: the login page (for its CSRF token), log in (and land on
*Mijn leerlingen*), open the week grid, think, save it (the POST must answer 302), and look at
the saved grid. A mentor marked "double" clicks Save twice at once, as an impatient user does.
Each mentor arrives at the moment the plan gives ("at", seconds from the start).
"""

import itertools
import json
import os
import random
import re
import time

import gevent
from locust import HttpUser, constant, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["WEEK_GRID_PLAN"], encoding="utf-8").read())
_mentors = itertools.count()
_finished = itertools.count(1)
_start = []  # when the first user ran: every mentor's arrival time counts from there

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NOTE_FIELD = re.compile(r'name="note-(\d+)"')
SEVERITY_FIELD = re.compile(r'name="(s-(\d+)-([a-z_]+))"')


class Mentor(HttpUser):
    wait_time = constant(0)

    @task
    def save_the_week(self):
        number = next(_mentors)
        if number >= len(PLAN["mentors"]):
            raise StopUser()
        mentor = PLAN["mentors"][number]
        if not _start:
            _start.append(time.monotonic())
        # Arrivals follow the plan, not locust's spawner: all users start at once and each
        # waits for its own moment in the window.
        gevent.sleep(max(0.0, _start[0] + mentor["at"] - time.monotonic()))
        try:
            self.journey(mentor)
        finally:
            if next(_finished) == len(PLAN["mentors"]):
                self.environment.runner.quit()  # every mentor is done: end the run now
        raise StopUser()

    def journey(self, mentor):
        page = self.client.get("/account/login/", name="1 login page")
        with self.client.post("/account/login/", name="2 log in (and land)", catch_response=True,
                              data={"username": mentor["email"], "password": PLAN["password"],
                                    "csrfmiddlewaretoken": token(page.text)}) as response:
            if "/account/login/" in response.url:
                response.failure("login refused")
                return
        grid = self.client.get("/leerlingen/week/", name="3 week grid")
        data = filled_in(grid.text, mentor)
        if data is None:
            return
        gevent.sleep(random.uniform(*PLAN["think"]))
        saves = [gevent.spawn(self.save, data) for _click in range(2 if mentor["double"] else 1)]
        gevent.joinall(saves)
        location = next((save.value for save in saves if save.value), None)
        if location:
            self.client.get(location, name="5 saved grid")

    def save(self, data):
        with self.client.post("/leerlingen/week/", data=data, name="4 save week grid",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return None
            return response.headers["Location"]


def token(html):
    return CSRF.search(html).group(1)


def filled_in(html, mentor):
    """The form as the mentor submits it: every cell, the planned severities, the notes."""
    planned = {int(pk): cells for pk, cells in mentor["grid"].items()}
    notes = {int(pk): note for pk, note in mentor["notes"].items()}
    students = [int(pk) for pk in NOTE_FIELD.findall(html)]
    if sorted(students) != sorted(planned):
        return None  # not this mentor's caseload: shows as a missing save in the count
    data = {"csrfmiddlewaretoken": token(html)}
    for name, pk, category in SEVERITY_FIELD.findall(html):
        data[name] = str(planned[int(pk)].get(category, 0))
    for pk in students:
        data[f"subject-{pk}"] = ""
        data[f"note-{pk}"] = notes.get(pk, "")
    return data
