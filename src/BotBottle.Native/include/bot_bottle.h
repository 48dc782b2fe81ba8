/*
 * bot_bottle.h — the C ABI of libbotbottle, the bot-bottle host store.
 *
 * libbotbottle is BotBottle.Storage compiled with NativeAOT: the same code the bot-bottle-sidecar
 * runs, behind plain C functions. It holds the supervise queue (proposals from agents' sidecars and
 * the operator's responses) and the audit log, in one SQLite database per host.
 *
 * Link: -lbotbottle, with libe_sqlite3 in the same directory (libbotbottle finds it there).
 *
 * DATA. Every record crosses the boundary as UTF-8 JSON, in the same snake_case shapes that
 * `bot-bottle-sidecar ... --json` prints:
 *   proposal     {"id", "bottle_slug", "tool", "proposed_file", "justification",
 *                 "arrival_timestamp", "current_file_hash", "archived", "current_file"}
 *   response     {"proposal_id", "status": "approved"|"modified"|"rejected", "notes",
 *                 "final_file", "archived"}
 *   audit entry  {"id", "timestamp", "bottle_slug", "component", "operator_action",
 *                 "operator_notes", "justification", "diff"}
 * Timestamps are ISO-8601. Unknown JSON members are refused (BB_ERR_INVALID_ARGUMENT), so a typo
 * in a field name cannot silently drop a value.
 *
 * OWNERSHIP. Strings you pass in are borrowed for the duration of the call: NUL-terminated UTF-8,
 * at most 8 MiB. Every char* the library hands out (out_json parameters, bb_last_error) is yours:
 * release it with bb_free, never with free(). On failure every out parameter is set to NULL.
 *
 * ERRORS. Every function except bb_free returns a bb_error: BB_OK (0) or a code below. After a
 * failure, bb_last_error() returns a message for the calling thread saying what went wrong and what
 * to do. No input can crash the library: NULL pointers, invalid UTF-8, malformed or oversized JSON
 * and unknown handles all return an error code.
 *
 * THREADING. A handle may be used by any number of threads at once; each call is one SQLite
 * transaction, and writers queue on SQLite's lock (busy timeout 5 s). Other processes (sidecars,
 * the CLI) may use the same database at the same time. bb_wait_for_response blocks the calling
 * thread; bb_close from another thread interrupts it with BB_ERR_CLOSED.
 */
#ifndef BOT_BOTTLE_H
#define BOT_BOTTLE_H

#include <stdint.h>

/* 2: bb_write_proposal takes a draft (see below); errors 15 and 16 added.
 * 3: bb_decide; bb_write_response decides as bb_decide does.
 * 4: bb_read_bottle_proposal; the lists report rows they cannot read (see bb_list_pending_proposals). */
#define BOT_BOTTLE_ABI_VERSION 4

#ifdef __cplusplus
extern "C" {
#endif

/* An open database. Opaque: only ever passed back to the library. */
typedef struct bb_handle bb_handle;

typedef enum bb_error {
    BB_OK = 0,
    BB_ERR_INVALID_ARGUMENT = 1,  /* NULL, not UTF-8, too long, bad JSON, or a field breaks a rule */
    BB_ERR_NOT_FOUND = 2,         /* no such proposal (or, for bb_read_response, no response yet) */
    BB_ERR_ALREADY_ANSWERED = 3,  /* the proposal already has a response */
    BB_ERR_CONFLICT = 4,          /* duplicate id, or the proposal is archived */
    BB_ERR_BUSY = 5,              /* another process held the write lock past the busy timeout */
    BB_ERR_READ_ONLY = 6,         /* the database or its directory is read-only */
    BB_ERR_DISK_FULL = 7,         /* nothing was written; free space and retry */
    BB_ERR_CORRUPT = 8,           /* not a SQLite database, or damaged */
    BB_ERR_CANNOT_OPEN = 9,       /* the file cannot be opened or created */
    BB_ERR_IO = 10,               /* the operating system reported an I/O error */
    BB_ERR_DENIED = 11,           /* not allowed to this role */
    BB_ERR_SCHEMA = 12,           /* edited or unknown migrations; see the message */
    BB_ERR_INTERNAL = 13,         /* unexpected; the message has details */
    BB_ERR_UNSAFE_PLACEMENT = 14, /* single-file mount or network/VM filesystem; nothing touched */
    BB_ERR_LIMIT_REACHED = 15,    /* a cap the host set (pending, bytes, rate, disk reserve); nothing written */
    BB_ERR_MISSING_DEPENDENCY = 16, /* a library the call needs is not installed (libssl3 for SHA-256 on Linux) */
    BB_ERR_INVALID_HANDLE = 20,   /* not a handle from bb_open, or already closed */
    BB_ERR_TIMEOUT = 21,          /* bb_wait_for_response: no response in time (still pending) */
    BB_ERR_CLOSED = 22            /* bb_wait_for_response: the handle was closed while waiting */
} bb_error;

/* Opens the host database, creating its directory (0700) and file (0600) and applying pending
 * migrations. path: a database file, or NULL for ~/.bot-bottle/db/bot-bottle.db. Fleet mode
 * (libbotbottle-fleet only; libbotbottle refuses it with BB_ERR_INVALID_ARGUMENT): a
 * postgres://ROLE@HOST:PORT/DATABASE URL opens that PostgreSQL database as an operator (never
 * migrating it: its owner runs 'bot-bottle-host db migrate'); with NULL, ~/.bot-bottle/fleet.conf
 * (mode 0600) names it when that file exists. */
int bb_open(const char *path, bb_handle **out_handle);

/* Closes a handle and interrupts its waits. The handle is invalid afterwards. */
int bb_close(bb_handle *handle);

/* Proposes: proposal_json is a draft {"bottle_slug", "tool", "proposed_file", "justification",
 * "current_file"?}; the library makes the id, the arrival time and the current file's SHA-256, and
 * applies every rule the sidecar's doors apply (sizes, terminal controls, the tool's file rule, the
 * host's caps). An open proposal with the same bottle, tool, file and justification is returned
 * instead of a duplicate. out_json: the stored (or joined) proposal.
 * Since BOT_BOTTLE_ABI_VERSION 2: "id", "arrival_timestamp", "current_file_hash" and "archived" are
 * refused as unknown members (version 1 let the caller set them). */
int bb_write_proposal(bb_handle *handle, const char *proposal_json, char **out_json);

/* The proposal with this id; BB_ERR_NOT_FOUND when there is none. */
int bb_read_proposal(bb_handle *handle, const char *proposal_id, char **out_json);

/* The proposal with this id if it is bottle_slug's, through the store's view of that one bottle:
 * BB_ERR_NOT_FOUND for another bottle's exactly as for an unknown id. Since version 4. */
int bb_read_bottle_proposal(bb_handle *handle, const char *bottle_slug, const char *proposal_id, char **out_json);

/* Proposals waiting for the operator (not archived, no unarchived response), oldest first, as a
 * JSON array. bottle_slug: one bottle, or NULL for every bottle. Since version 4 this and the other
 * lists (bb_list_bottles, bb_read_audit_entries) never fail on a row they cannot read (one written
 * outside bot-bottle): it follows the others as {"id" (a bottle's: "slug"): key, "unreadable": why}. */
int bb_list_pending_proposals(bb_handle *handle, const char *bottle_slug, char **out_json);

/* Every bottle, by slug, as a JSON array of {"slug", "backend", "state", "started_at", "last_seen",
 * "stopped_at", "sidecar_version", "pending", "oldest_pending_at"}: one query over the bottles the
 * sidecars registered and the pending proposals. state is "running", "stopped", "stale" (running
 * but silent for three heartbeats) or "unknown" (pending proposals, never registered). Added in
 * version 2 with the bottles table (schema migration 0007). */
int bb_list_bottles(bb_handle *handle, char **out_json);

/* The operator's decision {"proposal_id", "status", "notes", "final_file"}, taken as the CLI's
 * `queue approve|modify|reject` takes it: "rejected" needs notes, "modified" needs "final_file" (which
 * meets the tool's rule and the text rules), and the response and its audit entry are written in one
 * transaction. A proposal is answered once. out_json: {"proposal", "response", "audit_entry"}. */
int bb_decide(bb_handle *handle, const char *decision_json, char **out_json);

/* bb_decide without the result, under its earlier name: the same rules and the same audit entry.
 * Before BOT_BOTTLE_ABI_VERSION 3 it wrote the response alone, without the rules or an audit entry. */
int bb_write_response(bb_handle *handle, const char *response_json);

/* The response to a proposal; BB_ERR_NOT_FOUND when it has none yet. */
int bb_read_response(bb_handle *handle, const char *proposal_id, char **out_json);

/* Blocks until the proposal has a response (written by any process) and returns it.
 * timeout_ms < 0 waits forever. BB_ERR_TIMEOUT when the time passes first; BB_ERR_CLOSED when
 * bb_close interrupts the wait. */
int bb_wait_for_response(bb_handle *handle, const char *proposal_id, int64_t timeout_ms, char **out_json);

/* Marks the proposal and its response archived: consumed, never pending again. Idempotent. */
int bb_archive_proposal(bb_handle *handle, const char *proposal_id);

/* Appends an audit entry; "id" is assigned, "timestamp" defaults to now. out_json: the stored entry. */
int bb_write_audit_entry(bb_handle *handle, const char *entry_json, char **out_json);

/* Audit entries, oldest first, as a JSON array. filter_json: NULL, or an object with any of
 * "bottle_slug", "component", "since", "until" (ISO-8601), "limit". */
int bb_read_audit_entries(bb_handle *handle, const char *filter_json, char **out_json);

/* The calling thread's last error message, or NULL after a success. Release with bb_free. */
char *bb_last_error(void);

/* Releases a string returned by the library. NULL is ignored. */
void bb_free(char *value);

#ifdef __cplusplus
}
#endif

#endif /* BOT_BOTTLE_H */
