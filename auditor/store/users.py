"""Users of the web UI: roles, password hashes (werkzeug.security), the sites a site owner may see, API tokens.

No Flask here: the CLI (`govaudit users ...`) and the web app both call these functions.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from auditor.store.db import Store
from auditor.store.models import Site, User, UserSite

ROLES = ("admin", "auditor", "owner")
ROLE_ZH = {"admin": "管理员", "auditor": "检查人员", "owner": "网站主办方"}
MIN_PASSWORD = 8
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@\-\u4e00-\u9fff]{2,80}$")
# Checked against when the user does not exist, so a wrong name costs as long as a wrong password
# (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not-a-password-" + secrets.token_hex(8))


class UserError(ValueError):
    """A user could not be created or changed; the message is for the person at the keyboard."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: str
    active: bool
    site_ids: frozenset[int]
    # Changes whenever the password or the session generation changes (log-out, new password): sessions carry
    # it, so those end every older session, also a cookie captured before the log-out.
    stamp: str
    has_token: bool = False

    @property
    def sees_all_sites(self) -> bool:
        return self.role in ("admin", "auditor")

    def may_see_site(self, site_id: int | None) -> bool:
        """Admins and auditors see every run (also runs tied to no registered site); owners only their sites."""
        if self.sees_all_sites:
            return True
        return site_id is not None and site_id in self.site_ids

    @property
    def may_review(self) -> bool:
        # Owners are the audited party: they see reviews but do not judge their own findings.
        return self.role in ("admin", "auditor")

    @property
    def scope(self) -> frozenset[int] | None:
        """None = every site; otherwise the site ids this user may see."""
        return None if self.sees_all_sites else self.site_ids


def _stamp(password_hash: str, session_gen: int) -> str:
    return hashlib.sha256(f"{password_hash}\x1f{session_gen}".encode()).hexdigest()[:16]


def _info(s: object, u: User) -> UserInfo:
    ids = frozenset(s.scalars(select(UserSite.site_id).where(UserSite.user_id == u.id)))  # type: ignore[attr-defined]
    return UserInfo(u.id, u.username, u.role, u.active, ids, _stamp(u.password_hash, u.session_gen or 0),
                    u.api_token_hash is not None)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 个字符")


def _site_ids(s: object, site_urls: Iterable[str]) -> list[int]:
    ids = []
    for url in site_urls:
        cand = [url, url.rstrip("/"), url.rstrip("/") + "/"]
        site = s.scalar(select(Site).where(Site.url.in_(cand)))  # type: ignore[attr-defined]
        if site is None and url.isdigit():
            site = s.get(Site, int(url))  # type: ignore[attr-defined]
        if site is None:
            raise UserError(f"网站清单中没有该网站：{url}（请先登记或导入网站清单）")
        ids.append(site.id)
    return ids


def create_user(store: Store, username: str, password: str, role: str,
                site_urls: Iterable[str] = ()) -> UserInfo:
    """Add a user; owners must be given at least one site (by URL or id) from the site list."""
    if role not in ROLES:
        raise UserError(f"角色必须是 {' / '.join(ROLES)}")
    if not USERNAME_RE.match(username):
        raise UserError("用户名为 2–80 个字母、数字、汉字或 _ . @ -")
    _check_password(password)
    site_urls = list(site_urls)
    if role == "owner" and not site_urls:
        raise UserError("网站主办方账号需要指定至少一个网站")
    try:
        with store.session.begin() as s:
            ids = _site_ids(s, site_urls)
            u = User(username=username, password_hash=generate_password_hash(password), role=role, active=True)
            s.add(u)
            s.flush()
            for sid in dict.fromkeys(ids):
                s.add(UserSite(user_id=u.id, site_id=sid))
            s.flush()
            return _info(s, u)
    except IntegrityError as exc:
        raise UserError(f"用户已存在：{username}") from exc


def set_password(store: Store, username: str, password: str) -> None:
    """A new password ends the user's sessions (a new session generation) and revokes the API token: whoever
    knew the old password may have made either."""
    _check_password(password)
    with store.session.begin() as s:
        u = s.scalar(select(User).where(User.username == username))
        if u is None:
            raise UserError(f"没有该用户：{username}")
        u.password_hash = generate_password_hash(password)
        u.session_gen = (u.session_gen or 0) + 1
        u.api_token_hash = None


def end_sessions(store: Store, user_id: int) -> None:
    """Log-out: a new session generation, so every session cookie issued before (on any device, also a copy
    someone captured) stops working. API tokens are kept: they are revoked by a new password or a new token."""
    with store.session.begin() as s:
        u = s.get(User, user_id)
        if u is not None:
            u.session_gen = (u.session_gen or 0) + 1


def set_sites(store: Store, username: str, site_urls: Iterable[str]) -> UserInfo:
    """Replace the sites of a user (meaningful for owners)."""
    with store.session.begin() as s:
        u = s.scalar(select(User).where(User.username == username))
        if u is None:
            raise UserError(f"没有该用户：{username}")
        ids = _site_ids(s, site_urls)
        s.execute(delete(UserSite).where(UserSite.user_id == u.id))
        for sid in dict.fromkeys(ids):
            s.add(UserSite(user_id=u.id, site_id=sid))
        s.flush()
        return _info(s, u)


def _keep_an_admin(s: object, u: User) -> None:
    """Refuse a change that would leave no active admin: nobody could manage users from the web UI again."""
    others = s.scalar(select(func.count()).select_from(User).where(  # type: ignore[attr-defined]
        User.role == "admin", User.active.is_(True), User.id != u.id))
    if not others:
        raise UserError("至少要保留一个启用的管理员账号")


def set_active(store: Store, username: str, active: bool, *, keep_admin: bool = False) -> None:
    """Enable or disable an account; a disabled account's sessions and API token stop working at once (both are
    looked up as active users on every request). ``keep_admin`` (the web UI): refuse to disable the last active
    admin — the command line, which can always add an admin, may."""
    with store.session.begin() as s:
        u = s.scalar(select(User).where(User.username == username))
        if u is None:
            raise UserError(f"没有该用户：{username}")
        if keep_admin and not active and u.role == "admin" and u.active:
            _keep_an_admin(s, u)
        u.active = active


def set_role(store: Store, username: str, role: str, site_urls: Iterable[str] = (), *,
             keep_admin: bool = False) -> UserInfo:
    """Change a user's role and sites at once: an owner needs at least one site; admins and auditors see every
    site, so their site list is cleared. ``keep_admin`` (the web UI): the last active admin keeps the role."""
    if role not in ROLES:
        raise UserError(f"角色必须是 {' / '.join(ROLES)}")
    site_urls = list(site_urls)
    if role == "owner" and not site_urls:
        raise UserError("网站主办方账号需要指定至少一个网站")
    with store.session.begin() as s:
        u = s.scalar(select(User).where(User.username == username))
        if u is None:
            raise UserError(f"没有该用户：{username}")
        if keep_admin and u.role == "admin" and role != "admin" and u.active:
            _keep_an_admin(s, u)
        ids = _site_ids(s, site_urls) if role == "owner" else []
        u.role = role
        s.execute(delete(UserSite).where(UserSite.user_id == u.id))
        for sid in dict.fromkeys(ids):
            s.add(UserSite(user_id=u.id, site_id=sid))
        s.flush()
        return _info(s, u)


def authenticate(store: Store, username: str, password: str) -> UserInfo | None:
    """The user when the name and password match and the account is active; None otherwise."""
    with store.session() as s:
        u = s.scalar(select(User).where(User.username == username))
        if u is None:
            check_password_hash(_DUMMY_HASH, password)
            return None
        if not check_password_hash(u.password_hash, password) or not u.active:
            return None
        return _info(s, u)


def get_user(store: Store, user_id: int) -> UserInfo | None:
    with store.session() as s:
        u = s.get(User, user_id)
        return _info(s, u) if u is not None and u.active else None


def find_user(store: Store, user_id: int) -> UserInfo | None:
    """A user by id, also a disabled one (for the admin's user list; log-in uses get_user)."""
    with store.session() as s:
        u = s.get(User, user_id)
        return _info(s, u) if u is not None else None


def list_users(store: Store) -> list[UserInfo]:
    with store.session() as s:
        return [_info(s, u) for u in s.scalars(select(User).order_by(User.username))]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(store: Store, username: str) -> str:
    """A new API token for the user (shown once; only its hash is stored; any earlier token stops working)."""
    token = "ga_" + secrets.token_urlsafe(32)
    with store.session.begin() as s:
        u = s.scalar(select(User).where(User.username == username))
        if u is None:
            raise UserError(f"没有该用户：{username}")
        u.api_token_hash = _token_hash(token)
    return token


def user_by_token(store: Store, token: str) -> UserInfo | None:
    if not token or len(token) > 200:
        return None
    h = _token_hash(token)
    with store.session() as s:
        u = s.scalar(select(User).where(User.api_token_hash == h))
        # The indexed lookup already matched; compare again in constant time for good measure.
        if u is None or not u.active or not hmac.compare_digest(u.api_token_hash or "", h):
            return None
        return _info(s, u)
