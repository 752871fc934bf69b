"""A file's chunks, checked one ahead of the writer: in a thread of its own where it can be, so
that reading and checking (pandas, Python) run beside the database's work on the previous chunk.
"""

import queue
import threading
from contextlib import closing

from django.db import connections
from django.utils import translation


def threads_allowed():
    """Whether the checking may run in a thread of its own. That thread reports a job's progress
    on a database connection of its own: fine on PostgreSQL when the import opens its own
    transaction. SQLite would make it wait for the writer's lock, and so would PostgreSQL for a
    job row that a caller's transaction has locked, while the writer waits for the thread."""
    connection = connections["default"]
    return connection.vendor == "postgresql" and not connection.in_atomic_block


class Checking:
    """The file's chunks, checked (and prepared for the stage), one chunk ahead of the writer.

    In a thread of its own when `in_thread`: reading and checking (pandas, Python) then run
    beside the database's work on the previous chunk. The progress of a job is reported from
    there, on that thread's own connection, so it is seen at once and not held back by the
    import's transaction. A problem with the file raised there is raised to the reader of the
    chunks; leaving early stops the thread.
    """

    def __init__(self, table, checker, progress, prepare, *, in_thread, then=None):
        self.table, self.checker, self.progress, self.then = table, checker, progress, then
        self.prepare = prepare or (lambda ready: ready)
        self.in_thread = in_thread
        self.language = translation.get_language()  # a new thread starts without it
        self.items = queue.Queue(maxsize=1)  # one chunk waiting: memory stays bounded
        self.stop = threading.Event()
        self.thread = None

    def _chunks(self):
        rows, estimate, failed = 0, self.table.estimated_rows, False
        if self.progress:
            self.progress("checking", 0, estimate)
        for frame in self.table.chunks():
            checked = self.checker.check(frame)
            failed = failed or bool(checked.errors.count)  # from here on nothing is staged
            yield checked, None if failed else self.prepare(checked.ready)
            rows += checked.rows_read
            if self.progress:
                self.progress("checking", rows, max(estimate, rows))
        if self.progress and self.then:
            self.progress(self.then, rows, rows)

    def __enter__(self):
        self.generator = self._chunks()
        if not self.in_thread:
            return self.generator
        self.thread = threading.Thread(target=self._work, name="import-check", daemon=True)
        self.thread.start()
        return self._received()

    def __exit__(self, *exc):
        if self.thread is not None:
            self.stop.set()
            self.thread.join()
        else:
            self.generator.close()  # the reader's too, before the file closes

    def _work(self):
        try:
            with translation.override(self.language), closing(self.generator):
                for item in self.generator:
                    if not self._put(("chunk", item)):
                        return
            self._put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - raised again in the reader's thread
            self._put(("error", exc))
        finally:
            connections.close_all()  # this thread's own connections

    def _put(self, item):
        while not self.stop.is_set():
            try:
                self.items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _received(self):
        while True:
            what, item = self.items.get()
            if what == "end":
                return
            if what == "error":
                raise item
            yield item
