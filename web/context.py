"""What every view needs: the settings and the Store of this app, and who is asking (with their scope)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, TypeVar

from flask import abort, current_app, g
from flask_login import current_user

from auditor.config import Settings
from auditor.store import Store
from auditor.store.users import UserInfo

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppState:
    settings: Settings
    store: Store


def state() -> AppState:
    return current_app.extensions["govaudit"]


def store() -> Store:
    return state().store


def settings() -> Settings:
    return state().settings


def me() -> UserInfo:
    """The user of this request: an API token's user (set by the API blueprint) or the session's user."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    if not current_user.is_authenticated:
        abort(401)
    return current_user.info  # type: ignore[no-any-return]


def require_roles(*roles: str) -> Callable[[F], F]:
    """403 unless the user has one of the roles (authentication itself is checked before this)."""
    def deco(fn: F) -> F:
        @wraps(fn)
        def inner(*a: Any, **kw: Any) -> Any:
            if me().role not in roles:
                abort(403)
            return fn(*a, **kw)
        return inner  # type: ignore[return-value]
    return deco


def may_start_audit(user: UserInfo, site_id: int) -> bool:
    """Admins and auditors may audit any registered site; owners only their own."""
    return user.sees_all_sites or site_id in user.site_ids
