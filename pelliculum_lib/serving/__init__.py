"""The service without HTTP: the SQLite catalogue store, the per-request logic (caches, lock, chat) and optional TMDb."""
