"""The log-in limiter: failed log-ins counted per user name and per client address over a sliding window.

The counts live outside the server process — in Redis when ``redis_url`` is set, else in the database
(table ``login_failures``) — so every gunicorn worker and a restarted server see the same numbers, and spraying
one password across many names is caught by the per-address count.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select

from auditor.config import Settings
from auditor.store import Store
from auditor.store.models import LoginFailure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    per_name: int
    per_address: int
    window: int  # seconds

    @classmethod
    def of(cls, settings: Settings) -> "Limits":
        return cls(settings.login_max_failures, settings.login_max_failures_per_address, settings.login_window)


def _keys(name: str, address: str) -> list[tuple[str, str]]:
    return [("name", "name:" + name.strip().lower()[:150]), ("addr", "addr:" + (address or "-")[:150])]


class LoginLimiter:
    """``blocked(name, address)`` before checking a password, ``failed(...)`` after a wrong one,
    ``succeeded(name)`` after a right one (forgets that name's failures; the address count stays)."""

    def __init__(self, settings: Settings, store: Store):
        self.limits = Limits.of(settings)
        self.store = store
        self.prefix = f"{settings.rq_queue}:login:"
        self.redis: Any = None
        if settings.redis_url:
            import redis

            self.redis = redis.Redis.from_url(settings.redis_url, socket_timeout=5)

    def _cap(self, kind: str) -> int:
        return self.limits.per_name if kind == "name" else self.limits.per_address

    # --- Redis: one sorted set per key, scored by time; old members trimmed on every look ---
    def _redis_count(self, key: str, now: float) -> int:
        k = self.prefix + key
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(k, 0, now - self.limits.window)
        pipe.zcard(k)
        return int(pipe.execute()[1])

    def _redis_add(self, key: str, now: float) -> None:
        k = self.prefix + key
        pipe = self.redis.pipeline()
        pipe.zadd(k, {uuid.uuid4().hex: now})
        pipe.expire(k, self.limits.window + 60)
        pipe.execute()

    # --- the database ---
    def _db_count(self, key: str, now: float) -> int:
        with self.store.session() as s:
            return int(s.scalar(select(func.count()).select_from(LoginFailure)
                                .where(LoginFailure.key == key, LoginFailure.at > now - self.limits.window)) or 0)

    def _db_add(self, key: str, now: float) -> None:
        with self.store.session.begin() as s:
            s.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.limits.window))
            s.add(LoginFailure(key=key, at=now))

    def _use_redis(self) -> bool:
        return self.redis is not None

    def _count(self, key: str, now: float) -> int:
        if self._use_redis():
            try:
                return self._redis_count(key, now)
            except Exception as exc:  # noqa: BLE001 - Redis down: the database still counts, log-in still works
                log.warning("登录限制：Redis 不可用，改用数据库计数（%s）", exc)
        return self._db_count(key, now)

    def blocked(self, name: str, address: str) -> bool:
        now = time.time()
        return any(self._count(key, now) >= self._cap(kind) for kind, key in _keys(name, address))

    def failed(self, name: str, address: str) -> None:
        now = time.time()
        for _, key in _keys(name, address):
            if self._use_redis():
                try:
                    self._redis_add(key, now)
                    continue
                except Exception as exc:  # noqa: BLE001
                    log.warning("登录限制：Redis 不可用，改用数据库计数（%s）", exc)
            self._db_add(key, now)

    def succeeded(self, name: str) -> None:
        _, key = _keys(name, "")[0]
        if self._use_redis():
            try:
                self.redis.delete(self.prefix + key)
            except Exception:  # noqa: BLE001
                pass
        with self.store.session.begin() as s:
            s.execute(delete(LoginFailure).where(LoginFailure.key == key))
