// The TypeScript SDK's own task API (protocol 2025-11-25: params.task on tools/call, then tasks/get
// and tasks/result) against bot-bottle-sidecar serve: a supervise call made as a task, through
// client.experimental.tasks.callToolStream, followed to the operator's decision.
//
//   node tasks.mjs URL [stream|cancel]
//
// stream: prints {step: "tools", …}, then one line per message of the stream ({step: "taskCreated"},
// {step: "taskStatus"}, …, {step: "result"} or {step: "error"}).
// cancel: creates the task, cancels it with tasks/cancel, and prints what tasks/get and tasks/result say then.
// Exits non-zero on any failure of its own.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema, CreateTaskResultSchema } from "@modelcontextprotocol/sdk/types.js";

const url = new URL(process.argv[2]);
const mode = process.argv[3] ?? "stream";
const print = (line) => console.log(JSON.stringify(line));

const client = new Client({ name: "bot-bottle-ts-tasks", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(url);
await client.connect(transport);
print({
  step: "connected",
  protocol: transport.protocolVersion ?? null,
  tasks: client.getServerCapabilities()?.tasks ?? null,
  logging: client.getServerCapabilities()?.logging ?? null,
});

const { tools } = await client.listTools();
print({ step: "tools", taskSupport: Object.fromEntries(tools.map((t) => [t.name, t.execution?.taskSupport ?? null])) });

const call = {
  name: "pipelock-block",
  arguments: { proposed_file: "registry.npmjs.org\n", justification: "npm install needs the registry (asked as a task)" },
};

if (mode === "stream") {
  // No task option: the SDK makes the call a task because tools/list said the tool may be one.
  const stream = client.experimental.tasks.callToolStream(call, CallToolResultSchema, { timeout: 60000 });
  for await (const message of stream) {
    print({
      step: message.type,
      task: message.task ?? null,
      result: message.result ?? null,
      error: message.error ? { code: message.error.code, message: message.error.message } : null,
    });
  }
} else if (mode === "cancel") {
  const created = await client.request({ method: "tools/call", params: call }, CreateTaskResultSchema, { task: { ttl: 60000 }, timeout: 20000 });
  print({ step: "taskCreated", task: created.task });
  print({ step: "cancelled", task: await client.experimental.tasks.cancelTask(created.task.taskId) });
  print({ step: "taskStatus", task: await client.experimental.tasks.getTask(created.task.taskId) });
  try {
    await client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema);
    print({ step: "result", error: null });
  } catch (error) {
    print({ step: "result", error: { code: error.code, message: error.message } });
  }
  try {
    await client.experimental.tasks.cancelTask(created.task.taskId);
    print({ step: "cancelledAgain", error: null });
  } catch (error) {
    print({ step: "cancelledAgain", error: { code: error.code, message: error.message } });
  }
}
await client.close();
