"""The Python binding and the C ABI under it, against the published libbotbottle.

BOTBOTTLE_DIST names the publish directory (dist/RID) holding libbotbottle, botbottle.py and
bot-bottle-sidecar; build/test.sh sets it. With BOTBOTTLE_PYTHON_INSTALLED=1 the suite imports the
botbottle package installed in the running Python (the wheel, in a fresh virtual environment) and
takes only the executables from BOTBOTTLE_DIST.
"""
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from datetime import datetime, timedelta, timezone

DIST = os.environ.get("BOTBOTTLE_DIST") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "dist", "linux-x64")
DIST = os.path.abspath(DIST)
INSTALLED = os.environ.get("BOTBOTTLE_PYTHON_INSTALLED") == "1"
if not INSTALLED:
    sys.path.insert(0, DIST)

import botbottle  # noqa: E402  (found in DIST next to the library, or the installed package)

if INSTALLED and os.path.dirname(os.path.abspath(botbottle.__file__)).startswith(DIST):
    sys.exit(f"BOTBOTTLE_PYTHON_INSTALLED=1 but botbottle was imported from {botbottle.__file__}, not the installed package")
from botbottle import AuditEntry, Proposal, Response, Store  # noqa: E402

SIDECAR = os.path.join(DIST, "bot-bottle-sidecar")
HOST = os.path.join(DIST, "bot-bottle-host")


class StoreTestCase(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="bb-python-")
        self.db = os.path.join(self.directory, "db", "bot-bottle.db")
        self.store = Store(self.db)

    def tearDown(self):
        self.store.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def propose(self, slug="bottle-a", file="a.example\n", justification="why", **extra):
        return self.store.write_proposal(Proposal(slug, "pipelock-block", file, justification, **extra))


class QueueTests(StoreTestCase):
    def test_open_creates_the_database_owner_only(self):
        self.assertEqual(os.stat(self.db).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(os.path.dirname(self.db)).st_mode & 0o777, 0o700)

    def test_write_proposal_fills_id_and_time_and_round_trips(self):
        written = self.propose(current_file="old\n")
        self.assertEqual(len(written.id), 32)
        self.assertIsNotNone(written.arrival_timestamp.tzinfo)
        self.assertEqual(written.current_file, "old\n")
        self.assertEqual(len(written.current_file_hash), 64)
        self.assertEqual(self.store.read_proposal(written.id), written)

    def test_read_proposal_returns_none_when_missing(self):
        self.assertIsNone(self.store.read_proposal("missing"))

    def test_list_pending_is_fifo_per_slug_and_across_bottles(self):
        # The store stamps arrival; the order proposals were written in is the order they are listed in.
        early = self.propose(justification="first")
        other = self.propose(slug="bottle-b", justification="second")
        late = self.propose(justification="third")
        self.assertEqual([p.id for p in self.store.list_pending_proposals("bottle-a")], [early.id, late.id])
        self.assertEqual([p.id for p in self.store.list_pending_proposals()], [early.id, other.id, late.id])

    def test_response_round_trip_then_archive_takes_it_off_the_queue(self):
        proposal = self.propose()
        self.store.write_response(Response(proposal.id, "modified", "narrowed", "a.example:443\n"))
        self.assertEqual(self.store.read_response(proposal.id), Response(proposal.id, "modified", "narrowed", "a.example:443\n", False))
        self.assertEqual(self.store.list_pending_proposals(), [])
        self.store.archive_proposal(proposal.id)
        self.store.archive_proposal(proposal.id)
        self.assertTrue(self.store.read_proposal(proposal.id).archived)
        self.assertTrue(self.store.read_response(proposal.id).archived)

    def test_read_response_returns_none_before_an_answer(self):
        self.assertIsNone(self.store.read_response(self.propose().id))

    def test_second_response_raises_already_answered(self):
        proposal = self.propose()
        self.store.write_response(Response(proposal.id, "approved"))
        with self.assertRaises(botbottle.AlreadyAnswered):
            self.store.write_response(Response(proposal.id, "rejected", "no"))

    def test_response_to_unknown_proposal_raises_not_found(self):
        with self.assertRaises(botbottle.NotFound) as caught:
            self.store.write_response(Response("missing", "approved"))
        self.assertEqual(caught.exception.code, 2)

    def test_wait_for_response_returns_none_after_the_timeout(self):
        started = time.monotonic()
        self.assertIsNone(self.store.wait_for_response(self.propose().id, timeout=0.2))
        self.assertGreaterEqual(time.monotonic() - started, 0.19)

    def test_wait_for_response_returns_an_answer_from_another_thread(self):
        proposal = self.propose()
        threading.Timer(0.2, lambda: self.store.write_response(Response(proposal.id, "approved", "ok"))).start()
        self.assertEqual(self.store.wait_for_response(proposal.id, timeout=10).status, "approved")

    def test_close_interrupts_a_wait_in_another_thread(self):
        proposal = self.propose()
        outcome = {}

        def wait():
            try:
                self.store.wait_for_response(proposal.id)
            except botbottle.BotBottleError as error:
                outcome["error"] = error

        waiter = threading.Thread(target=wait)
        waiter.start()
        time.sleep(0.3)
        self.store.close()
        waiter.join(10)
        self.assertFalse(waiter.is_alive())
        self.assertIsInstance(outcome["error"], botbottle.Closed)

    def test_a_closed_store_raises_invalid_handle(self):
        self.store.close()
        with self.assertRaises(botbottle.InvalidHandle):
            self.store.list_pending_proposals()


class UnreadableRowTests(StoreTestCase):
    """A row planted with plain SQL (PostgreSQL's own timestamp text) is listed as unreadable; the rest still are."""

    def plant(self, sql):
        import sqlite3
        connection = sqlite3.connect(self.db)
        connection.create_function("bb_writer_bottle", 0, lambda: None)
        connection.executescript(sql)
        connection.close()

    def test_lists_keep_going_and_name_the_bad_row(self):
        good = self.propose("bottle-a")
        self.plant("""
            INSERT INTO supervise_proposals (id, bottle_slug, tool, proposed_file, justification, arrival_timestamp, archived)
            VALUES ('bad-1', 'bottle-b', 'git-gate', 'f', 'planted', '2026-12-06 08:25:36.865849+00', 0);
            INSERT INTO supervise_audit_entries (timestamp, bottle_slug, component, operator_action, operator_notes, justification, diff)
            VALUES ('yesterday', 'bottle-b', 'git-gate', 'approved', 'planted', '', '');
        """)
        with self.assertWarnsRegex(UserWarning, "bad-1"):
            pending = self.store.list_pending_proposals()
        self.assertEqual([p.id for p in pending], [good.id])
        self.assertEqual([u.key for u in pending.unreadable], ["bad-1"])
        self.assertIn("2026-12-06 08:25:36.865849+00", pending.unreadable[0].reason)

        with self.assertWarns(UserWarning):
            bottles = self.store.list_bottles()
        self.assertEqual([b.slug for b in bottles], ["bottle-a"])
        self.assertEqual([u.key for u in bottles.unreadable], ["bottle-b"])

        with self.assertWarns(UserWarning):
            entries = self.store.read_audit_entries()
        self.assertEqual(entries, [])
        self.assertEqual([u.key for u in entries.unreadable], ["1"])


class ValidationTests(StoreTestCase):
    def assert_invalid(self, call, fragment):
        with self.assertRaises(botbottle.InvalidArgument) as caught:
            call()
        self.assertIn(fragment, str(caught.exception))
        self.assertEqual(self.store.list_pending_proposals(), [])

    def test_empty_slug(self):
        self.assert_invalid(lambda: self.propose(slug=""), "bottle_slug")

    def test_slug_that_is_not_a_slug(self):
        self.assert_invalid(lambda: self.propose(slug="Bad Slug"), "not a bottle slug")

    def test_status_outside_the_three(self):
        proposal = self.propose()
        with self.assertRaises(botbottle.InvalidArgument) as caught:
            self.store.write_response(Response(proposal.id, "maybe"))
        self.assertIn("approved, modified, rejected", str(caught.exception))

    def test_lone_surrogate_is_refused_before_the_call(self):
        self.assert_invalid(lambda: self.propose(justification="\ud800"), "justification")

    def test_nul_character(self):
        self.assert_invalid(lambda: self.propose(file="a\x00b"), "NUL")

    def test_oversized_file(self):
        self.assert_invalid(lambda: self.propose(file="x" * (1024 * 1024 + 1)), "limit")

    def test_terminal_escape_in_justification_is_refused_with_its_position(self):
        self.assert_invalid(lambda: self.propose(justification="ok\n\x1b]52;c;ZXZpbA==\x07"), "U+001B (ESC")

    def test_bidi_override_in_file_is_refused(self):
        self.assert_invalid(lambda: self.propose(file="a.example\u202e\n"), "right-to-left override")

    def test_blank_justification_is_refused(self):
        self.assert_invalid(lambda: self.propose(justification="   "), "justification is empty")


class LimitTests(StoreTestCase):
    def test_a_flood_from_one_bottle_raises_limit_reached_and_writes_nothing_more(self):
        written = 0
        with self.assertRaises(botbottle.LimitReached) as caught:
            for index in range(21):
                self.store.write_proposal(Proposal("bottle-a", "git-gate", "", f"scan {index}"))
                written += 1
        self.assertEqual(caught.exception.code, 15)
        self.assertLessEqual(written, 20)
        self.assertIn("'bottle-a'", str(caught.exception))
        self.assertEqual(len(self.store.list_pending_proposals("bottle-a")), written)
        self.store.write_proposal(Proposal("bottle-b", "git-gate", "", "another bottle"))


class RawAbiTests(StoreTestCase):
    """Inputs the Python layer would never send, straight at the C functions."""

    def setUp(self):
        super().setUp()
        self.lib = self.store._lib
        self.handle = self.store._handle

    def call(self, name, *args):
        code = getattr(self.lib, name)(*args)
        message = self.lib.bb_last_error()
        text = ctypes.string_at(message).decode() if message else None
        if message:
            self.lib.bb_free(message)
        return code, text

    def test_null_pointers_return_invalid_argument(self):
        out = ctypes.c_void_p()
        self.assertEqual(self.call("bb_write_proposal", self.handle, None, ctypes.byref(out))[0], 1)
        self.assertEqual(self.call("bb_read_proposal", self.handle, b"x", None)[0], 1)
        self.assertEqual(self.call("bb_open", None, None)[0], 1)
        self.assertIsNone(out.value)

    def test_invalid_utf8_returns_invalid_argument(self):
        code, message = self.call("bb_archive_proposal", self.handle, b"\xff\xfe")
        self.assertEqual(code, 1)
        self.assertIn("UTF-8", message)

    def test_malformed_json_returns_invalid_argument(self):
        out = ctypes.c_void_p()
        for payload in [b"{", b"[]", b"null", b'{"bottle_slug": 5}', b'{"bottle_slg":"typo"}']:
            code, message = self.call("bb_write_proposal", self.handle, payload, ctypes.byref(out))
            self.assertEqual(code, 1, payload)
            self.assertIsNotNone(message)
        self.assertEqual(self.store.list_pending_proposals(), [])

    def test_oversized_input_returns_invalid_argument(self):
        out = ctypes.c_void_p()
        code, message = self.call("bb_write_proposal", self.handle, b"{" + b" " * (9 * 1024 * 1024) + b"}", ctypes.byref(out))
        self.assertEqual(code, 1)
        self.assertIn("longer than", message)

    def test_unknown_handle_returns_invalid_handle(self):
        out = ctypes.c_void_p()
        self.assertEqual(self.call("bb_list_pending_proposals", ctypes.c_void_p(987654), None, ctypes.byref(out))[0], 20)
        self.assertEqual(self.call("bb_close", ctypes.c_void_p(987654))[0], 20)

    def test_last_error_is_null_after_a_success(self):
        out = ctypes.c_void_p()
        self.assertEqual(self.call("bb_list_pending_proposals", self.handle, None, ctypes.byref(out)), (0, None))
        self.lib.bb_free(out)


class AuditTests(StoreTestCase):
    def test_audit_round_trip_and_filters(self):
        t0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
        first = self.store.write_audit_entry(AuditEntry("bottle-a", "git-gate", "approved", "ok", "why", "+x", timestamp=t0))
        self.store.write_audit_entry(AuditEntry("bottle-b", "git-gate", "rejected", timestamp=t0 + timedelta(hours=1)))
        self.store.write_audit_entry(AuditEntry("bottle-b", "egress", "approved", timestamp=t0 + timedelta(hours=2)))
        self.assertGreater(first.id, 0)
        self.assertEqual(self.store.read_audit_entries()[0], first)
        self.assertEqual(len(self.store.read_audit_entries(bottle_slug="bottle-b")), 2)
        self.assertEqual(len(self.store.read_audit_entries(component="git-gate")), 2)
        self.assertEqual([e.component for e in self.store.read_audit_entries(since=t0 + timedelta(minutes=30), until=t0 + timedelta(minutes=90))], ["git-gate"])
        self.assertEqual(len(self.store.read_audit_entries(limit=1)), 1)


class DecisionTests(StoreTestCase):
    """A host process decides as the operator's CLI does: the same rules, and an audit entry each time."""

    def test_each_decision_writes_its_response_and_audit_entry_together(self):
        approved, modified, rejected = self.propose(), self.propose(slug="bottle-b"), self.propose(slug="bottle-c")
        decisions = [
            self.store.approve(approved.id, "ok"),
            self.store.modify(modified.id, "b.example\n", "narrowed"),
            self.store.reject(rejected.id, "use the mirror"),
        ]
        self.assertEqual([d.response.status for d in decisions], ["approved", "modified", "rejected"])
        self.assertEqual([d.proposal.id for d in decisions], [approved.id, modified.id, rejected.id])
        self.assertEqual(self.store.read_response(modified.id), Response(modified.id, "modified", "narrowed", "b.example\n", False))
        entries = self.store.read_audit_entries()
        self.assertEqual(entries, [d.audit_entry for d in decisions])
        self.assertEqual([(e.bottle_slug, e.component, e.operator_action, e.operator_notes) for e in entries], [
            ("bottle-a", "pipelock-block", "approved", "ok"),
            ("bottle-b", "pipelock-block", "modified", "narrowed"),
            ("bottle-c", "pipelock-block", "rejected", "use the mirror"),
        ])
        self.assertIn("+b.example", entries[1].diff)

    def test_write_response_is_audited_too(self):
        proposal = self.propose()
        self.store.write_response(Response(proposal.id, "approved", "ok"))
        self.assertEqual([(e.operator_action, e.operator_notes) for e in self.store.read_audit_entries()], [("approved", "ok")])

    def test_bad_decisions_are_refused_by_both_calls_and_nothing_is_written(self):
        proposal = self.propose()
        bad = [
            ("rejected", "", None, "A rejection needs notes"),
            ("modified", "why", "b.example\x1b[2J\n", "final_file holds U+001B"),
            ("modified", "why", None, "needs final_file"),
            ("approved", "ok", "b.example\n", "only for a modified response"),
        ]
        for status, notes, final_file, reason in bad:
            for decide in (lambda: self.store.decide(proposal.id, status, notes, final_file),
                           lambda: self.store.write_response(Response(proposal.id, status, notes, final_file))):
                with self.assertRaises(botbottle.InvalidArgument) as caught:
                    decide()
                self.assertIn(reason, str(caught.exception))
        self.assertIsNone(self.store.read_response(proposal.id))
        self.assertEqual(self.store.read_audit_entries(), [])

    def test_a_decided_proposal_is_not_decided_again(self):
        proposal = self.propose()
        self.store.approve(proposal.id)
        with self.assertRaises(botbottle.AlreadyAnswered):
            self.store.reject(proposal.id, "changed my mind")
        self.assertEqual(len(self.store.read_audit_entries()), 1)


class ConcurrencyTests(StoreTestCase):
    def test_eight_threads_write_and_wait_at_once(self):
        results, errors = {}, []
        barrier = threading.Barrier(8)

        def agent(index):
            try:
                barrier.wait()
                proposal = self.store.write_proposal(Proposal(f"bottle-{index}", "git-gate", f"file {index}\n", "parallel"))
                results[index] = self.store.wait_for_response(proposal.id, timeout=30)
            except Exception as error:  # collected and asserted below
                errors.append(error)

        threads = [threading.Thread(target=agent, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        answered = set()
        deadline = time.monotonic() + 30
        while len(answered) < 8 and time.monotonic() < deadline:
            for proposal in self.store.list_pending_proposals():
                self.store.write_response(Response(proposal.id, "approved", proposal.bottle_slug))
                answered.add(proposal.id)
            time.sleep(0.01)
        for thread in threads:
            thread.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(len(answered), 8)
        self.assertEqual(sorted(results), list(range(8)))
        self.assertTrue(all(results[i].notes == f"bottle-{i}" for i in range(8)))


class HelperTests(unittest.TestCase):
    """The module-level helpers bot-bottle calls, keyed by bottle slug."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="bb-helpers-")
        botbottle.configure(db_path=os.path.join(self.directory, "bot-bottle.db"))

    def tearDown(self):
        botbottle.configure()
        shutil.rmtree(self.directory, ignore_errors=True)

    def test_helpers_are_scoped_by_bottle_slug(self):
        proposal_id = botbottle.write_proposal("bottle-a", Proposal("", "git-gate", "x\n", "why"))
        self.assertEqual(botbottle.read_proposal("bottle-a", proposal_id).id, proposal_id)
        self.assertIsNone(botbottle.read_proposal("bottle-b", proposal_id))
        with self.assertRaises(botbottle.NotFound):
            botbottle.write_response("bottle-b", Response(proposal_id, "approved"))
        with self.assertRaises(botbottle.NotFound):
            botbottle.decide("bottle-b", proposal_id, "approved")
        botbottle.write_response("bottle-a", Response(proposal_id, "rejected", "no"))
        self.assertEqual(botbottle.wait_for_response("bottle-a", proposal_id, timeout=1).status, "rejected")
        botbottle.archive_proposal("bottle-a", proposal_id)
        self.assertEqual(botbottle.list_pending_proposals("bottle-a"), [])
        decided = botbottle.read_audit_entries(bottle_slug="bottle-a")
        self.assertEqual([(e.component, e.operator_action, e.operator_notes) for e in decided], [("git-gate", "rejected", "no")])
        entry = botbottle.write_audit_entry("bottle-a", AuditEntry("", "git-gate", "noted", "by hand"))
        self.assertEqual(botbottle.read_audit_entries(bottle_slug="bottle-a"), decided + [entry])

    def test_decide_answers_only_the_bottles_own_proposal(self):
        proposal_id = botbottle.write_proposal("bottle-a", Proposal("", "git-gate", "x\n", "why"))
        decision = botbottle.decide("bottle-a", proposal_id, "approved", "ok")
        self.assertEqual((decision.response.status, decision.audit_entry.operator_action), ("approved", "approved"))


class CrossRuntimeTests(StoreTestCase):
    """Python writes, the NativeAOT sidecar (another process) lists and answers, Python's wait returns."""

    def sidecar(self, *args):
        return subprocess.run([SIDECAR, "--db", self.db, *args], capture_output=True, text=True, timeout=60)

    def test_python_proposal_answered_by_the_sidecar_binary(self):
        proposal = self.propose(file="registry.npmjs.org\n", justification="npm needs it")
        waited = {}
        waiter = threading.Thread(target=lambda: waited.update(response=self.store.wait_for_response(proposal.id, timeout=60)))
        waiter.start()

        listed = self.sidecar("queue", "pending", "--json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertEqual([p["id"] for p in json.loads(listed.stdout)], [proposal.id])
        approved = self.sidecar("queue", "approve", proposal.id, "--notes", "from the operator")
        self.assertEqual(approved.returncode, 0, approved.stderr)

        waiter.join(60)
        self.assertEqual(waited["response"].status, "approved")
        self.assertEqual(waited["response"].notes, "from the operator")
        audit = self.store.read_audit_entries(bottle_slug="bottle-a")
        self.assertEqual([(e.component, e.operator_action) for e in audit], [("pipelock-block", "approved")])

    def test_list_bottles_sees_a_running_serve_and_its_pending_proposals_then_its_stop(self):
        config = os.path.join(self.directory, "config")
        os.makedirs(config)
        serve = subprocess.Popen([SIDECAR, "serve", "--db", self.db, "--slug", "bottle-a", "--listen", "127.0.0.1:0",
                                  "--current-config", config], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            for line in serve.stderr:
                if '"event":"listening"' in line:
                    break
            else:
                self.fail("serve exited before listening")
            self.propose(justification="first")
            self.propose(slug="bottle-b", justification="no serve for this one")

            bottles = {b.slug: b for b in self.store.list_bottles()}
            self.assertEqual((bottles["bottle-a"].state, bottles["bottle-a"].backend, bottles["bottle-a"].pending), ("running", "docker", 1))
            self.assertIsNotNone(bottles["bottle-a"].last_seen.tzinfo)
            self.assertEqual((bottles["bottle-b"].state, bottles["bottle-b"].pending), ("unknown", 1))
        finally:
            serve.terminate()
            serve.wait(10)
        stopped = [b for b in self.store.list_bottles() if b.slug == "bottle-a"]
        self.assertEqual([b.state for b in stopped], ["stopped"])


def _postgres_server():
    """build/test.sh's cluster, from BOTBOTTLE_TEST_POSTGRES (Npgsql's Key=Value;... form)."""
    given = os.environ.get("BOTBOTTLE_TEST_POSTGRES")
    if not given:
        raise RuntimeError("BOTBOTTLE_TEST_POSTGRES names the PostgreSQL cluster for the fleet tests; build/test.sh starts one and sets it")
    fields = dict(part.split("=", 1) for part in given.split(";") if part)
    return {key.lower(): value for key, value in fields.items()}


class FleetTests(unittest.TestCase):
    """Fleet mode from Python: a postgres:// database loads libbotbottle-fleet; libbotbottle stays SQLite-only."""

    def psql(self, sql):
        server = _postgres_server()
        done = subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-tA", f"host={server['host']} port={server['port']} user={server['username']} dbname=postgres",
                               "-c", sql], capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_a_postgres_url_loads_libbotbottle_fleet_and_shares_the_queue_with_bot_bottle_host(self):
        server = _postgres_server()
        name = "bb_python_%d" % os.getpid()
        self.psql(f"CREATE DATABASE {name}")
        self.addCleanup(self.psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        url = f"postgres://{server['username']}@{server['host']}:{server['port']}/{name}"
        migrated = subprocess.run([HOST, "db", "migrate", "--db", url], capture_output=True, text=True, timeout=60)
        self.assertEqual(migrated.returncode, 0, migrated.stderr)

        with Store(url) as store:
            self.assertEqual(os.path.basename(store._lib._name), "libbotbottle-fleet.so")
            proposal = store.write_proposal(Proposal("fleet-a", "pipelock-block", "a.example\n", "from python"))
            waited = {}
            waiter = threading.Thread(target=lambda: waited.update(response=store.wait_for_response(proposal.id, timeout=60)))
            waiter.start()
            listed = subprocess.run([HOST, "queue", "pending", "--db", url, "--json"], capture_output=True, text=True, timeout=60)
            self.assertEqual(listed.returncode, 0, listed.stderr)
            self.assertEqual([p["id"] for p in json.loads(listed.stdout)], [proposal.id])
            approved = subprocess.run([HOST, "queue", "approve", proposal.id, "--db", url, "--notes", "fleet operator"], capture_output=True, text=True, timeout=60)
            self.assertEqual(approved.returncode, 0, approved.stderr)
            waiter.join(60)
            self.assertEqual((waited["response"].status, waited["response"].notes), ("approved", "fleet operator"))

    def test_libbotbottle_refuses_a_postgres_url_naming_libbotbottle_fleet(self):
        with self.assertRaises(botbottle.InvalidArgument) as raised:
            Store("postgres://bb@127.0.0.1:1/none", library=os.path.join(os.path.dirname(botbottle.__file__), "libbotbottle.so"))
        self.assertIn("libbotbottle-fleet", str(raised.exception))

    def test_a_file_database_loads_the_small_library(self):
        directory = tempfile.mkdtemp(prefix="bb-python-")
        self.addCleanup(shutil.rmtree, directory, True)
        with Store(os.path.join(directory, "bot-bottle.db")) as store:
            self.assertEqual(os.path.basename(store._lib._name), "libbotbottle.so")


if __name__ == "__main__":
    unittest.main()
