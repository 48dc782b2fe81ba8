// Drives bot-bottle-sidecar serve with the official TypeScript MCP client, the way Claude Code
// and other Node-based agents do: connect, list tools, then call a supervise tool that blocks
// until the operator answers, counting the progress notifications that arrive meanwhile.
//
//   node client.mjs URL
//
// Prints one JSON line per step on stdout; exits non-zero on any failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.argv[2]);
const client = new Client({ name: "bot-bottle-ts-test", version: "1.0.0" });
await client.connect(new StreamableHTTPClientTransport(url));
console.log(JSON.stringify({ step: "connected", protocol: client.getServerVersion()?.name ?? null }));

const { tools } = await client.listTools();
console.log(JSON.stringify({ step: "tools", names: tools.map((t) => t.name), withOutputSchema: tools.filter((t) => t.outputSchema).length }));

let progress = 0;
const result = await client.callTool(
  {
    name: "pipelock-block",
    arguments: { proposed_file: "registry.npmjs.org\n", justification: "npm install needs the registry" },
  },
  undefined,
  { onprogress: () => { progress += 1; }, timeout: 120000, resetTimeoutOnProgress: true },
);
console.log(JSON.stringify({ step: "result", progress, structured: result.structuredContent, text: result.content?.[0]?.text ?? null, isError: result.isError ?? false }));
await client.close();
