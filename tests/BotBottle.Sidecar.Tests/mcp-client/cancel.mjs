// One of two clients whose request ids collide: the official TypeScript client, which keeps the
// Mcp-Session-Id that initialize returns, next to a raw client (driven by the test) that numbers
// its requests the same way and has no session. The TypeScript client's call is id 1.
//
//   node cancel.mjs URL
//
// Prints one JSON line per step on stdout. A line "abort" on stdin aborts the waiting call, which
// makes the SDK send notifications/cancelled for it (in the background: the client stays until
// stdin says "exit", so that the notification is not cut off by the exit).
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const transport = new StreamableHTTPClientTransport(new URL(process.argv[2]));
const client = new Client({ name: "bot-bottle-ts-cancel-test", version: "1.0.0" });
await client.connect(transport);
console.log(JSON.stringify({ step: "connected", session: transport.sessionId ?? null }));

const controller = new AbortController();
let exit;
const exitRequested = new Promise((resolve) => { exit = resolve; });
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "abort") {
    controller.abort(new Error("aborted by the test"));
  } else if (line.trim() === "exit") {
    exit();
  }
});

const call = client.callTool(
  { name: "pipelock-block", arguments: { proposed_file: "ts.example\n", justification: "typescript client" } },
  undefined,
  { signal: controller.signal, timeout: 300000, resetTimeoutOnProgress: true },
);
console.log(JSON.stringify({ step: "calling" }));
const outcome = await call.then(
  (result) => ({ step: "result", structured: result.structuredContent ?? null }),
  (error) => ({ step: "error", aborted: controller.signal.aborted, message: String(error?.message ?? error) }),
);
console.log(JSON.stringify(outcome));
await exitRequested;
await client.close();
process.exit(0);
