/*
 * A host process of another architecture using libbotbottle through its C header: it proposes,
 * waits for an answer another process writes, reads it, archives it and audits the outcome.
 * The test that builds it (MixedArchitectureTests) cross-compiles it for linux-arm64 and runs it
 * under QEMU while the linux-x64 binary answers.
 *
 *   abi_roundtrip DB_PATH
 *
 * Prints "proposed <id>" (so the other side knows what to answer), then "answered <status>",
 * then "ok"; any failure prints the library's error and exits 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bot_bottle.h"

static int fail(const char *what, int code)
{
    char *message = bb_last_error();
    fprintf(stderr, "%s failed with %d: %s\n", what, code, message ? message : "(no message)");
    bb_free(message);
    return 1;
}

/* The value of "key":"..." in a flat JSON object; enough for the ids and statuses read here. */
static int json_string(const char *json, const char *key, char *out, size_t size)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *start = strstr(json, pattern);
    if (start == NULL) return 0;
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    if (end == NULL || (size_t)(end - start) >= size) return 0;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: abi_roundtrip DB_PATH\n");
        return 2;
    }

    bb_handle *handle = NULL;
    int code = bb_open(argv[1], &handle);
    if (code != BB_OK) return fail("bb_open", code);

    char *written = NULL;
    code = bb_write_proposal(handle,
        "{\"bottle_slug\":\"arm-host\",\"tool\":\"git-gate\",\"proposed_file\":\"allow: docs.example\\n\",\"justification\":\"from an arm64 host process\"}",
        &written);
    if (code != BB_OK) return fail("bb_write_proposal", code);
    char id[129];
    if (!json_string(written, "id", id, sizeof id)) return fail("reading the id", -1);
    bb_free(written);
    printf("proposed %s\n", id);
    fflush(stdout);

    char *response = NULL;
    code = bb_wait_for_response(handle, id, 60000, &response);
    if (code != BB_OK) return fail("bb_wait_for_response", code);
    char status[32];
    if (!json_string(response, "status", status, sizeof status)) return fail("reading the status", -1);
    bb_free(response);
    printf("answered %s\n", status);

    code = bb_archive_proposal(handle, id);
    if (code != BB_OK) return fail("bb_archive_proposal", code);

    char *entry = NULL;
    code = bb_write_audit_entry(handle,
        "{\"bottle_slug\":\"arm-host\",\"component\":\"git-gate\",\"operator_action\":\"applied\",\"operator_notes\":\"seen on arm64\"}",
        &entry);
    if (code != BB_OK) return fail("bb_write_audit_entry", code);
    bb_free(entry);

    char *entries = NULL;
    code = bb_read_audit_entries(handle, "{\"bottle_slug\":\"arm-host\"}", &entries);
    if (code != BB_OK) return fail("bb_read_audit_entries", code);
    int applied = strstr(entries, "\"operator_action\":\"applied\"") != NULL;
    bb_free(entries);
    if (!applied) return fail("finding the audit entry", -1);

    code = bb_close(handle);
    if (code != BB_OK) return fail("bb_close", code);
    printf("ok\n");
    return 0;
}
