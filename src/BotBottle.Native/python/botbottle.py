"""bot-bottle's host store from Python: the supervise queue and the audit log.

This module calls libbotbottle (the same C#/NativeAOT code as bot-bottle-sidecar) through ctypes;
it needs nothing but the standard library. It finds ``libbotbottle.so`` (``.dylib`` on macOS) in
its own directory, or takes an explicit path. Fleet mode (a ``postgres://`` database, or no path on
a host with ``~/.bot-bottle/fleet.conf``) loads ``libbotbottle-fleet`` from there instead: the same
library with PostgreSQL, kept apart so single-host processes load the small one.

Two ways to use it:

* ``Store``: an open database::

      with Store() as store:                       # ~/.bot-bottle/db/bot-bottle.db
          p = store.write_proposal(Proposal("my-bottle", "pipelock-block", "a.example\\n", "why"))
          response = store.wait_for_response(p.id, timeout=300)

* The helpers bot-bottle calls, keyed by bottle slug, on a default store opened on first use
  (``configure(db_path=..., library=...)`` picks another)::

      proposal_id = write_proposal("my-bottle", Proposal(...))
      for p in list_pending_proposals("my-bottle"): ...
      decide("my-bottle", proposal_id, "approved", "ok")

Every failure raises a ``BotBottleError`` subclass carrying the library's error code and message.
A ``Store`` is safe to share between threads; ``wait_for_response`` releases the GIL while it waits.
"""

import ctypes
import json
import os
import re
import sys
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, List, Optional

__all__ = [
    "Proposal", "Response", "AuditEntry", "Bottle", "Store",
    "BotBottleError", "InvalidArgument", "NotFound", "AlreadyAnswered", "Conflict", "Busy",
    "StorageUnavailable", "Denied", "SchemaError", "InternalError", "LimitReached", "InvalidHandle", "Closed",
    "Decision", "configure", "write_proposal", "read_proposal", "list_pending_proposals", "decide", "write_response",
    "read_response", "wait_for_response", "archive_proposal", "write_audit_entry", "read_audit_entries",
    "list_bottles", "Unreadable", "Rows",
]


# ---- records ------------------------------------------------------------------------------------

@dataclass
class Proposal:
    """A config change an agent asks the operator to approve."""
    bottle_slug: str
    tool: str
    proposed_file: str
    justification: str
    id: str = ""
    arrival_timestamp: Optional[datetime] = None
    current_file_hash: Optional[str] = None
    archived: bool = False
    current_file: Optional[str] = None


@dataclass
class Response:
    """The operator's answer: status is "approved", "modified" or "rejected"."""
    proposal_id: str
    status: str
    notes: str = ""
    final_file: Optional[str] = None
    archived: bool = False


@dataclass
class Bottle:
    """A bottle as the dashboard shows it: its sidecar's state and its pending proposals."""
    slug: str
    backend: str
    state: str
    started_at: Optional[datetime] = None
    last_seen: Optional[datetime] = None
    stopped_at: Optional[datetime] = None
    sidecar_version: Optional[str] = None
    pending: int = 0
    oldest_pending_at: Optional[datetime] = None


@dataclass
class AuditEntry:
    """One operator decision in the audit log."""
    bottle_slug: str
    component: str
    operator_action: str
    operator_notes: str = ""
    justification: str = ""
    diff: str = ""
    id: int = 0
    timestamp: Optional[datetime] = None
    prev_hash: Optional[str] = None
    entry_hash: Optional[str] = None


@dataclass
class Unreadable:
    """A stored row the library could not read (written outside bot-bottle): its key (a proposal's or
    audit entry's id, a bottle's slug) and why. Listings keep going and hold these in ``unreadable``."""
    key: str
    reason: str


class Rows(list):
    """A listing: the rows that could be read, in order, and in ``unreadable`` those that could not."""

    def __init__(self, rows: Iterable = (), unreadable: Iterable["Unreadable"] = ()) -> None:
        super().__init__(rows)
        self.unreadable = list(unreadable)


@dataclass
class Decision:
    """What one operator decision wrote: the proposal answered, its response and its audit entry."""
    proposal: Proposal
    response: Response
    audit_entry: AuditEntry


# ---- errors -------------------------------------------------------------------------------------

class BotBottleError(Exception):
    """A failed call; ``code`` is the library's bb_error and the message says what to do."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class InvalidArgument(BotBottleError, ValueError):
    """Bad input: empty or malformed slug, oversized file, unknown status, bad JSON field…"""


class NotFound(BotBottleError, LookupError):
    """No such proposal."""


class AlreadyAnswered(BotBottleError):
    """The proposal already has a response."""


class Conflict(BotBottleError):
    """Duplicate id, or the proposal is archived."""


class Busy(BotBottleError):
    """Another process held the database lock past the busy timeout; retry."""


class StorageUnavailable(BotBottleError, OSError):
    """The database cannot be used: read-only, disk full, corrupt, cannot open, I/O error, unsafe placement."""


class Denied(BotBottleError, PermissionError):
    """Not allowed to this role."""


class SchemaError(BotBottleError):
    """The schema is refused (edited or unknown migrations)."""


class InternalError(BotBottleError):
    """Unexpected failure inside the library."""


class LimitReached(BotBottleError):
    """A cap the host set refused the proposal (pending count or bytes, rate, disk reserve); nothing was written."""


class InvalidHandle(BotBottleError):
    """The store was closed."""


class Closed(BotBottleError):
    """The store was closed while waiting."""


_ERRORS = {
    1: InvalidArgument, 2: NotFound, 3: AlreadyAnswered, 4: Conflict, 5: Busy,
    6: StorageUnavailable, 7: StorageUnavailable, 8: StorageUnavailable, 9: StorageUnavailable,
    10: StorageUnavailable, 11: Denied, 12: SchemaError, 13: InternalError, 14: StorageUnavailable, 15: LimitReached, 16: StorageUnavailable, 20: InvalidHandle,
    22: Closed,
}
_BB_ERR_NOT_FOUND = 2
_BB_ERR_TIMEOUT = 21


# ---- the library --------------------------------------------------------------------------------

def _is_fleet(db_path):
    """As bb_open decides: a postgres:// URL, or no path and a fleet config on this host."""
    if db_path is None:
        return os.path.exists(os.path.join(os.path.expanduser("~"), ".bot-bottle", "fleet.conf"))
    return isinstance(db_path, str) and db_path.lower().startswith(("postgres://", "postgresql://"))


def _default_library_path(db_path=None):
    stem = "libbotbottle-fleet" if _is_fleet(db_path) else "libbotbottle"
    name = stem + (".dylib" if sys.platform == "darwin" else ".so")
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), name)


_libraries = {}
_libraries_lock = threading.Lock()


def _load(path):
    with _libraries_lock:
        if path in _libraries:
            return _libraries[path]
        if not os.path.exists(path):
            raise FileNotFoundError(f"libbotbottle not found at {path}; pass library= or put it next to botbottle.py")
        lib = ctypes.CDLL(path)
        handle = ctypes.c_void_p
        text = ctypes.c_char_p
        out = ctypes.POINTER(ctypes.c_void_p)
        for name, args in {
            "bb_open": [text, ctypes.POINTER(ctypes.c_void_p)],
            "bb_close": [handle],
            "bb_write_proposal": [handle, text, out],
            "bb_read_proposal": [handle, text, out],
            "bb_list_pending_proposals": [handle, text, out],
            "bb_read_bottle_proposal": [handle, text, text, out],
            "bb_list_bottles": [handle, out],
            "bb_decide": [handle, text, out],
            "bb_write_response": [handle, text],
            "bb_read_response": [handle, text, out],
            "bb_wait_for_response": [handle, text, ctypes.c_int64, out],
            "bb_archive_proposal": [handle, text],
            "bb_write_audit_entry": [handle, text, out],
            "bb_read_audit_entries": [handle, text, out],
        }.items():
            function = getattr(lib, name)
            function.argtypes = args
            function.restype = ctypes.c_int
        lib.bb_last_error.argtypes = []
        lib.bb_last_error.restype = ctypes.c_void_p
        lib.bb_free.argtypes = [ctypes.c_void_p]
        lib.bb_free.restype = None
        _libraries[path] = lib
        return lib


def _encode(value, name):
    if value is None:
        return None
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidArgument(1, f"{name} is not valid Unicode text: {error}") from None


def _timestamp(value):
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


_FRACTION = re.compile(r"(\.\d{6})\d+")


def _parse_time(text):
    if text is None:
        return None
    # .NET writes 7 fractional digits; datetime keeps microseconds.
    return datetime.fromisoformat(_FRACTION.sub(r"\1", text).replace("Z", "+00:00"))


def _proposal(data):
    data["arrival_timestamp"] = _parse_time(data.get("arrival_timestamp"))
    return Proposal(**data)


def _bottle(data):
    for key in ("started_at", "last_seen", "stopped_at", "oldest_pending_at"):
        data[key] = _parse_time(data.get(key))
    return Bottle(**data)


def _response(data):
    return Response(**data)


def _audit_entry(data):
    data["timestamp"] = _parse_time(data.get("timestamp"))
    return AuditEntry(**data)


def _rows(items, key, convert):
    """The library lists a row it cannot read as {key: ..., "unreadable": why}, after the others."""
    readable, unreadable = [], []
    for item in items:
        if set(item) == {key, "unreadable"}:
            unreadable.append(Unreadable(str(item[key]), item["unreadable"]))
        else:
            readable.append(convert(item))
    for row in unreadable:
        warnings.warn(f"bot-bottle: {key} {row.key!r} cannot be read ({row.reason}); the rest is listed", stacklevel=3)
    return Rows(readable, unreadable)


class Store:
    """An open bot-bottle database (created and migrated if needed). Thread-safe."""

    def __init__(self, db_path: Optional[str] = None, library: Optional[str] = None) -> None:
        """db_path: the database file (default ~/.bot-bottle/db/bot-bottle.db), or a fleet's
        postgres:// URL (default: ~/.bot-bottle/fleet.conf's, when the host has one);
        library: the path of libbotbottle (default: next to this module, libbotbottle-fleet in fleet mode)."""
        self._lib = _load(os.path.abspath(library) if library else _default_library_path(db_path))
        handle = ctypes.c_void_p()
        self._check(self._lib.bb_open(_encode(db_path, "db_path"), ctypes.byref(handle)))
        self._handle = handle

    def close(self) -> None:
        """Closes the store; waits in other threads end with ``Closed``. Closing twice is harmless."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            self._check(self._lib.bb_close(handle))

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- queue --

    def write_proposal(self, proposal: Proposal) -> Proposal:
        """Proposes: bottle_slug, tool, proposed_file, justification and current_file are what is sent;
        the store makes the id, arrival time and hash (an open identical proposal is returned instead
        of a duplicate). Returns the proposal as stored."""
        data = {
            "bottle_slug": proposal.bottle_slug, "tool": proposal.tool,
            "proposed_file": proposal.proposed_file, "justification": proposal.justification,
            "current_file": proposal.current_file,
        }
        return _proposal(self._call_json("bb_write_proposal", json.dumps(data)))

    def read_proposal(self, proposal_id: str) -> Optional[Proposal]:
        data = self._call_json("bb_read_proposal", proposal_id, missing_ok=True)
        return None if data is None else _proposal(data)

    def read_bottle_proposal(self, bottle_slug: str, proposal_id: str) -> Optional[Proposal]:
        """The proposal if it is ``bottle_slug``'s, else None (another bottle's reads as absent): the store's
        view of one bottle, the same scope a sidecar door has."""
        out = ctypes.c_void_p()
        code = self._lib.bb_read_bottle_proposal(self._live(), _encode(bottle_slug, "bottle_slug"), _encode(proposal_id, "proposal_id"), ctypes.byref(out))
        if code == _BB_ERR_NOT_FOUND:
            self._free_error()
            return None
        self._check(code)
        return _proposal(json.loads(self._take(out)))

    def list_pending_proposals(self, bottle_slug: Optional[str] = None) -> List[Proposal]:
        """Proposals waiting for the operator, oldest first; all bottles when bottle_slug is None."""
        return _rows(self._call_json("bb_list_pending_proposals", bottle_slug), "id", _proposal)

    def list_bottles(self) -> List[Bottle]:
        """Every bottle with its state (running, stopped, stale, unknown) and pending count, in one query."""
        out = ctypes.c_void_p()
        self._check(self._lib.bb_list_bottles(self._live(), ctypes.byref(out)))
        return _rows(json.loads(self._take(out)), "slug", _bottle)

    def decide(self, proposal_id: str, status: str, notes: str = "", final_file: Optional[str] = None) -> Decision:
        """Answers a proposal as the operator's ``queue approve|modify|reject`` does: status is
        "approved", "modified" (with final_file) or "rejected" (with notes); the response and its audit
        entry are written together, or nothing is. Returns what was written."""
        data = {"proposal_id": proposal_id, "status": status, "notes": notes, "final_file": final_file}
        written = self._call_json("bb_decide", json.dumps(data))
        return Decision(_proposal(written["proposal"]), _response(written["response"]), _audit_entry(written["audit_entry"]))

    def approve(self, proposal_id: str, notes: str = "") -> Decision:
        return self.decide(proposal_id, "approved", notes)

    def modify(self, proposal_id: str, final_file: str, notes: str = "") -> Decision:
        return self.decide(proposal_id, "modified", notes, final_file)

    def reject(self, proposal_id: str, notes: str) -> Decision:
        return self.decide(proposal_id, "rejected", notes)

    def write_response(self, response: Response) -> None:
        """``decide`` under its earlier name (bb_write_response): the same rules, and the same audit entry."""
        data = {"proposal_id": response.proposal_id, "status": response.status,
                "notes": response.notes, "final_file": response.final_file}
        self._call("bb_write_response", _encode(json.dumps(data), "response"))

    def read_response(self, proposal_id: str) -> Optional[Response]:
        data = self._call_json("bb_read_response", proposal_id, missing_ok=True)
        return None if data is None else _response(data)

    def wait_for_response(self, proposal_id: str, timeout: Optional[float] = None) -> Optional[Response]:
        """Blocks until any process answers the proposal; None when ``timeout`` seconds pass first."""
        timeout_ms = -1 if timeout is None else max(0, int(timeout * 1000))
        out = ctypes.c_void_p()
        code = self._lib.bb_wait_for_response(self._live(), _encode(proposal_id, "proposal_id"), timeout_ms, ctypes.byref(out))
        if code == _BB_ERR_TIMEOUT:
            self._free_error()
            return None
        self._check(code)
        return _response(json.loads(self._take(out)))

    def archive_proposal(self, proposal_id: str) -> None:
        self._call("bb_archive_proposal", _encode(proposal_id, "proposal_id"))

    # -- audit --

    def write_audit_entry(self, entry: AuditEntry) -> AuditEntry:
        data = {
            "bottle_slug": entry.bottle_slug, "component": entry.component,
            "operator_action": entry.operator_action, "operator_notes": entry.operator_notes,
            "justification": entry.justification, "diff": entry.diff, "timestamp": _timestamp(entry.timestamp),
        }
        return _audit_entry(self._call_json("bb_write_audit_entry", json.dumps(data)))

    def read_audit_entries(self, bottle_slug: Optional[str] = None, component: Optional[str] = None, since: Optional[datetime] = None,
                           until: Optional[datetime] = None, limit: Optional[int] = None) -> List[AuditEntry]:
        """Audit entries matching every filter given, oldest first."""
        data = {"bottle_slug": bottle_slug, "component": component, "since": _timestamp(since),
                "until": _timestamp(until), "limit": limit}
        return _rows(self._call_json("bb_read_audit_entries", json.dumps(data)), "id", _audit_entry)

    # -- plumbing --

    def _live(self):
        if self._handle is None:
            raise InvalidHandle(20, "the store is closed")
        return self._handle

    def _call(self, name, *args):
        self._check(getattr(self._lib, name)(self._live(), *args))

    def _call_json(self, name, argument, missing_ok=False):
        out = ctypes.c_void_p()
        code = getattr(self._lib, name)(self._live(), _encode(argument, "argument"), ctypes.byref(out))
        if missing_ok and code == _BB_ERR_NOT_FOUND:
            self._free_error()
            return None
        self._check(code)
        return json.loads(self._take(out))

    def _take(self, pointer):
        try:
            return ctypes.string_at(pointer.value).decode("utf-8")
        finally:
            self._lib.bb_free(pointer)

    def _free_error(self):
        message = self._lib.bb_last_error()
        if message:
            self._lib.bb_free(message)

    def _check(self, code):
        if code == 0:
            return
        pointer = self._lib.bb_last_error()
        message = "libbotbottle error %d" % code
        if pointer:
            try:
                message = ctypes.string_at(pointer).decode("utf-8", "replace")
            finally:
                self._lib.bb_free(pointer)
        raise _ERRORS.get(code, BotBottleError)(code, message)


# ---- bot-bottle's helpers, keyed by bottle slug --------------------------------------------------

_default_store = None
_default_options = {}
_default_lock = threading.Lock()


def configure(db_path: Optional[str] = None, library: Optional[str] = None) -> None:
    """Chooses the database and library the helpers use (closing a store they already opened)."""
    global _default_store
    with _default_lock:
        if _default_store is not None:
            _default_store.close()
            _default_store = None
        _default_options.clear()
        _default_options.update(db_path=db_path, library=library)


def _store():
    global _default_store
    with _default_lock:
        if _default_store is None:
            _default_store = Store(**_default_options)
        return _default_store


def _owned(bottle_slug, proposal_id):
    proposal = _store().read_bottle_proposal(bottle_slug, proposal_id)
    if proposal is None:
        raise NotFound(2, f"No proposal {proposal_id} for bottle {bottle_slug}.")
    return proposal


def write_proposal(bottle_slug: str, proposal: Proposal) -> str:
    """Queues ``proposal`` for ``bottle_slug``; returns its id."""
    if proposal.bottle_slug and proposal.bottle_slug != bottle_slug:
        raise InvalidArgument(1, f"proposal.bottle_slug {proposal.bottle_slug!r} is not {bottle_slug!r}")
    proposal.bottle_slug = bottle_slug
    return _store().write_proposal(proposal).id


def read_proposal(bottle_slug: str, proposal_id: str) -> Optional[Proposal]:
    return _store().read_bottle_proposal(bottle_slug, proposal_id)


def list_pending_proposals(bottle_slug: Optional[str] = None) -> List[Proposal]:
    return _store().list_pending_proposals(bottle_slug)


def list_bottles() -> List[Bottle]:
    return _store().list_bottles()


def decide(bottle_slug: str, proposal_id: str, status: str, notes: str = "", final_file: Optional[str] = None) -> Decision:
    """The operator's decision on one of ``bottle_slug``'s proposals, audited (see ``Store.decide``)."""
    _owned(bottle_slug, proposal_id)
    return _store().decide(proposal_id, status, notes, final_file)


def write_response(bottle_slug: str, response: Response) -> None:
    """``decide`` under its earlier name: the same rules, and the same audit entry."""
    decide(bottle_slug, response.proposal_id, response.status, response.notes, response.final_file)


def read_response(bottle_slug: str, proposal_id: str) -> Optional[Response]:
    _owned(bottle_slug, proposal_id)
    return _store().read_response(proposal_id)


def wait_for_response(bottle_slug: str, proposal_id: str, timeout: Optional[float] = None) -> Optional[Response]:
    _owned(bottle_slug, proposal_id)
    return _store().wait_for_response(proposal_id, timeout)


def archive_proposal(bottle_slug: str, proposal_id: str) -> None:
    _owned(bottle_slug, proposal_id)
    _store().archive_proposal(proposal_id)


def write_audit_entry(bottle_slug: str, entry: AuditEntry) -> AuditEntry:
    entry.bottle_slug = bottle_slug
    return _store().write_audit_entry(entry)


def read_audit_entries(bottle_slug: Optional[str] = None, component: Optional[str] = None, since: Optional[datetime] = None,
                       until: Optional[datetime] = None, limit: Optional[int] = None) -> List[AuditEntry]:
    return _store().read_audit_entries(bottle_slug, component, since, until, limit)
