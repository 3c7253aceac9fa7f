"""A batch's worker slots: N threads, each taking items from one queue and grading them with the executor that
the factory makes for its slot (its own fork server, or a Dask cluster's), closed when the queue is empty."""
from __future__ import annotations

import queue
import threading
from typing import Callable, Generic, TypeVar

from grader.execute.executor import Executor, ExecutorFactory

Item = TypeVar("Item")


class Pool(Generic[Item]):
    """Runs `work(item, executor)` for every item, `jobs` at a time."""

    def __init__(self, jobs: int, executors: ExecutorFactory) -> None:
        self.jobs, self.executors = jobs, executors

    def run(self, items: list[Item], work: Callable[[Item, Executor], None]) -> None:
        """Return when every item is done; `work` must not raise for anything an item does."""
        todo: queue.Queue[Item | None] = queue.Queue()
        for item in items:
            todo.put(item)
        threads = [threading.Thread(target=self._slot, args=(todo, slot, work), daemon=True)
                   for slot in range(min(self.jobs, len(items)))]
        for thread in threads:
            todo.put(None)
            thread.start()
        for thread in threads:
            thread.join()

    def _slot(self, todo: queue.Queue, slot: int, work: Callable[[Item, Executor], None]) -> None:
        executor = self.executors(slot)
        try:
            while (item := todo.get()) is not None:
                work(item, executor)
        finally:
            executor.close()
