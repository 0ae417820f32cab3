"""Start-up guards: a station refuses to start on a site whose data or secrets are not right.

A station that silently made a fresh database or a fresh key would look healthy while it
had lost its history (a lost volume, a failed restore) or could no longer read its
citizens' encrypted data. So every command except ``station init`` and ``station migrate``
first checks, before anything is created:

* the secrets: ``data.kek``, ``hmac.key`` and the signing key exist once the database does
  (``session.key`` is only a cookie key and is made anew); no secret file is empty or
  readable by others; every KEK that wraps a citizen's data key is present;
* the database: the SQLite file exists, is not empty, is a SQLite file and passes
  ``PRAGMA quick_check``; on PostgreSQL the schema has been created.

Each refusal is a :class:`StartupRefused`: one line, Vietnamese and English, naming the
file and what to do (``station restore``, ``station migrate``).
"""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import unquote

import peewee

from core.config import Config
from core.errors import StationError

SQLITE_HEADER = b"SQLite format 3\x00"
# needed once the database holds data: a new one would orphan what the old one protected
REQUIRED_SECRETS = ("data.kek", "hmac.key", "station_ed25519.pem")
NON_EMPTY_SECRETS = (*REQUIRED_SECRETS, "session.key")


class StartupRefused(StationError):
    """The station will not start on this site as it is; the message says why and what to do."""

    exit_code = 1

    def __init__(self, vi: str, en: str) -> None:
        self.vi, self.en = vi, en
        super().__init__(f"{vi} | {en}")


def sqlite_path(config: Config) -> Path | None:
    """The SQLite file of the site, or ``None`` for PostgreSQL or an in-memory database."""
    url = config.database_url
    if not url.startswith("sqlite:///"):
        return None
    path = unquote(url[len("sqlite:///"):])
    if path in ("", ":memory:"):
        return None
    file = Path(path)
    return file if file.is_absolute() else config.home / file


def check_site(config: Config) -> None:
    """Refuse (:class:`StartupRefused`) unless the site's database and secrets are usable."""
    check_secret_files(config.secrets_dir)
    database = open_existing_database(config)
    try:
        check_keys_for_data(database, config.secrets_dir)
    finally:
        database.close()


def site_has_database(config: Config) -> bool:
    """True when the site's database already exists (a non-empty SQLite file, or a PostgreSQL
    database with the station's schema)."""
    from core import db

    file = sqlite_path(config)
    if file is not None:
        return file.exists() and file.stat().st_size > 0
    if not config.database_url.startswith(("postgres://", "postgresql://")):
        return False
    database = db.open_database(config.database_url, config.home)
    try:
        return "schema_migrations" in database.get_tables()
    finally:
        database.close()


def check_secret_files(secrets_dir: Path) -> None:
    """No secret file may be readable by others, and none of the station's keys may be empty."""
    if not secrets_dir.is_dir():
        return
    for path in sorted(secrets_dir.iterdir()):
        if not path.is_file():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise StartupRefused(
                f"Tệp bí mật {path} có quyền {mode:04o}, người khác đọc được; hãy chạy `chmod 600 {path}` "
                "và kiểm tra xem khoá có bị lộ không",
                f"secret file {path} has mode {mode:04o} and others can read it; run `chmod 600 {path}` "
                "and check whether the key was exposed")
        if path.name in NON_EMPTY_SECRETS and path.stat().st_size == 0:
            raise StartupRefused(
                f"Tệp bí mật {path} rỗng; hãy chép lại từ bản sao lưu khoá của trạm (`station restore --secrets`)",
                f"secret file {path} is empty; put it back from the station's key backup "
                "(`station restore --secrets`)")


def open_existing_database(config: Config) -> peewee.Database:
    """Open the site's database without creating it; refuse a missing, empty or damaged one."""
    from core import db

    file = sqlite_path(config)
    if file is not None:
        _check_sqlite_file(file)
    try:
        database = db.open_database(config.database_url, config.home)
    except StationError as exc:
        if file is None:
            raise
        raise _damaged(file, str(exc.__context__ or exc)) from None
    try:
        if file is not None:
            problem = database.execute_sql("PRAGMA quick_check").fetchone()[0]
            if problem != "ok":
                raise _damaged(file, problem)
        if "schema_migrations" not in database.get_tables():
            where = str(file) if file is not None else "PostgreSQL"
            raise StartupRefused(
                f"Cơ sở dữ liệu ({where}) chưa có dữ liệu của trạm; khôi phục bằng `station restore`, "
                "hoặc chạy `station migrate` nếu đây là trạm mới",
                f"the database ({where}) holds no station data; restore it with `station restore`, "
                "or run `station migrate` if this is a new site")
    except peewee.DatabaseError as exc:
        database.close()
        if file is None:
            raise StartupRefused(f"Không đọc được cơ sở dữ liệu PostgreSQL: {exc}".strip(),
                                 f"cannot read the PostgreSQL database: {exc}".strip()) from None
        raise _damaged(file, str(exc)) from None
    except StartupRefused:
        database.close()
        raise
    return database


def _check_sqlite_file(file: Path) -> None:
    if not file.exists():
        raise StartupRefused(
            f"Không có cơ sở dữ liệu {file}; trạm không tự tạo cơ sở dữ liệu mới — khôi phục bằng "
            "`station restore`, hoặc chạy `station migrate` nếu đây là trạm mới",
            f"the database {file} is missing; the station does not make a new one — restore it with "
            "`station restore`, or run `station migrate` if this is a new site")
    if file.stat().st_size == 0:
        raise StartupRefused(
            f"Cơ sở dữ liệu {file} rỗng (0 byte); khôi phục bằng `station restore`",
            f"the database {file} is empty (0 bytes); restore it with `station restore`")
    with file.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise _damaged(file, "not a SQLite database file")


def _damaged(file: Path, problem: str) -> StartupRefused:
    problem = " ".join(problem.split())
    return StartupRefused(
        f"Cơ sở dữ liệu {file} bị hỏng ({problem}); hãy khôi phục bản sao lưu gần nhất bằng `station restore`",
        f"the database {file} is damaged ({problem}); restore the latest backup with `station restore`")


def check_keys_for_data(database: peewee.Database, secrets_dir: Path) -> None:
    """The keys the data depends on must be present: a new one would make the data unreadable."""
    tables = set(database.get_tables())
    for name in REQUIRED_SECRETS:
        path = secrets_dir / name
        if not path.exists():
            raise StartupRefused(
                f"Thiếu khoá {path} của trạm đã khởi tạo; khoá mới sẽ làm dữ liệu cũ không "
                "đọc được — hãy chép lại từ bản sao lưu khoá (`station restore --secrets`)",
                f"the key {path} of this initialised site is missing; a new key would make that data "
                "unreadable — put it back from the key backup (`station restore --secrets`)")
    if "citizen_key" not in tables:
        return
    from core.privacy.keys import KeyRing

    ring = KeyRing(secrets_dir)
    ring.reload()
    rows = database.execute_sql("SELECT DISTINCT kek_id FROM citizen_key WHERE wrapped_key IS NOT NULL "
                                "AND kek_id IS NOT NULL").fetchall()
    missing = sorted(row[0] for row in rows if row[0] not in ring.known_ids())
    if missing:
        raise StartupRefused(
            f"Thiếu khoá mã hoá dữ liệu {', '.join(missing)} trong {secrets_dir}; dữ liệu mã hoá của công dân "
            "sẽ không đọc được — hãy chép lại từ bản sao lưu khoá (`station restore --secrets`)",
            f"the key-encryption key {', '.join(missing)} is not in {secrets_dir}; citizens' encrypted data "
            "cannot be read without it — put it back from the key backup (`station restore --secrets`)")

