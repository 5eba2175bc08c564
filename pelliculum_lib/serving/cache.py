"""The service's answer cache: recommended film ids per key, in memory (LRU) and on disk."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path


class ResponseCache:
    """Recommended film ids per key: in memory (LRU) and on disk (survives restarts)."""

    def __init__(self, directory: Path | None, size: int):
        self.memory: OrderedDict[str, list[int]] = OrderedDict()
        self.size, self.directory = size, directory
        self.lock = threading.Lock()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def get(self, key: str) -> list[int] | None:
        with self.lock:
            if key in self.memory:
                self.memory.move_to_end(key)
                return self.memory[key]
        if self.directory is not None and (path := self.directory / f"{key}.json").is_file():
            try:
                value = [int(i) for i in json.loads(path.read_text())]
            except (OSError, ValueError, TypeError):
                return None
            self._remember(key, value)
            return value
        return None

    def _remember(self, key: str, value: list[int]) -> None:
        with self.lock:
            self.memory[key] = value
            while len(self.memory) > self.size:
                self.memory.popitem(last=False)

    def put(self, key: str, value: list[int], disk: bool = True) -> None:
        if self.size:
            self._remember(key, value)
        if self.directory is not None and disk:
            tmp = self.directory / f"{key}.{threading.get_ident()}.tmp"
            tmp.write_text(json.dumps(value))
            tmp.replace(self.directory / f"{key}.json")
