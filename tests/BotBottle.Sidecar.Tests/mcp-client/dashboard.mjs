// The operator's dashboard in a real browser: Debian's Chromium, headless, driven through the DevTools
// protocol by puppeteer-core (which never downloads a browser). Driven by DashboardBrowserTests:
//
//   node dashboard.mjs SIGN_IN_URL [SCREENSHOT_DIR]
//
// It signs in and prints one JSON line per step; the test answers on standard input with one JSON
// line per command:
//   {"await": N}                  -> waits for N new queue rows, prints {step: "arrived", rows: [{id, latencyMs}]}
//   {"modify": ID, "file", "notes"} -> answers ID in its page, prints {step: "decided", notice}
//   {"inspect": ID}               -> prints what its page shows of the agent's text ({step: "inspected", …})
//   {"audit": true}               -> prints the audit page's rows ({step: "audit", rows})
//   {"forge": ID}                 -> posts a decision for ID from a page of another origin ({step: "forged"})
//   {"stale": ID}                 -> opens ID's page in a second tab whose live stream is cut ({step: "opened"})
//   {"approveStale": true}        -> approves in that tab ({step: "conflict", notice, status, form, error})
//   {"watchProposal": ID}         -> opens ID's page and waits for its form and its live stream ({step: "watching"})
//   {"awaitNotice": true}         -> waits for that page to change by itself ({step: "changed", notice, status, form})
//   {"watchAudit": true}          -> opens the audit page, live ({step: "watching", rows})
//   {"awaitAuditRows": N}         -> waits for N rows there ({step: "audit", sameDocument, rows, chain})
// Exits non-zero on any failure of its own.
import puppeteer from "puppeteer-core";
import { createInterface } from "node:readline";

const signIn = new URL(process.argv[2]);
const screenshots = process.argv[3] ?? null;
const base = signIn.origin;
const print = (line) => console.log(JSON.stringify(line));

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  // As root in a container or CI machine Chromium's sandbox cannot start; the page is our own.
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check"],
});
const dialogs = [];
let stale = null;
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 800 });
  page.on("dialog", async (dialog) => { dialogs.push(dialog.message()); await dialog.dismiss(); });

  // Each new row's latency, measured in the page: now minus its proposal's arrival time (written by
  // the store in another process, on the same clock).
  const arrivals = [];
  await page.exposeFunction("rowArrived", (id, latencyMs) => arrivals.push({ id, latencyMs }));
  await page.evaluateOnNewDocument(() => {
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeName === "TR" && node.classList.contains("new")) {
            window.rowArrived(node.dataset.id, Date.now() - Date.parse(node.dataset.at));
          }
        }
      }
    }).observe(document, { childList: true, subtree: true });
  });

  const response = await page.goto(signIn.href);
  await page.waitForSelector("#live.on", { timeout: 10000 });
  print({ step: "ready", url: page.url(), status: response.status(), cookies: (await browser.cookies()).map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite })) });

  const commands = createInterface({ input: process.stdin });
  for await (const line of commands) {
    const command = JSON.parse(line);
    if (command.await !== undefined) {
      const deadline = Date.now() + 30000;
      while (arrivals.length < command.await && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      print({ step: "arrived", rows: arrivals.splice(0, arrivals.length) });
      if (screenshots && command.screenshot) await page.screenshot({ path: `${screenshots}/${command.screenshot}` });
    } else if (command.modify) {
      await page.goto(`${base}/proposal/${command.modify}`);
      await page.waitForSelector("form.decide textarea[name=final_file]");
      await page.$eval("form.decide textarea[name=final_file]", (area, file) => { area.value = file; }, command.file);
      await page.type("form.decide textarea[name=notes]", command.notes);
      if (screenshots && command.screenshot) await page.screenshot({ path: `${screenshots}/${command.screenshot}`, fullPage: true });
      await page.click("button[data-action=modify]");
      await page.waitForSelector(".notice", { timeout: 10000 });
      print({ step: "decided", notice: await page.$eval(".notice", (n) => n.textContent), status: await page.$eval('[data-fact="Status"]', (n) => n.textContent) });
      await page.goto(`${base}/`);
      await page.waitForSelector("#live.on");
    } else if (command.inspect) {
      await page.goto(`${base}/proposal/${command.inspect}`);
      await page.waitForSelector("figure.agent pre");
      print({
        step: "inspected",
        justification: await page.$eval("figure.agent pre", (n) => n.textContent),
        marks: await page.$$eval("figure.agent mark.escape", (marks) => marks.map((m) => m.textContent)),
        scripts: await page.$$eval("script", (s) => s.map((x) => x.getAttribute("src"))),
        images: await page.$$eval("img", (i) => i.length),
        dialogs,
        labelled: await page.$eval("figure.agent figcaption", (n) => n.textContent),
      });
      await page.goto(`${base}/`);
      await page.waitForSelector("#live.on");
    } else if (command.audit) {
      await page.goto(`${base}/audit`);
      await page.waitForSelector("table.audit tbody tr");
      await page.click("button[data-action=verify]");
      await page.waitForSelector(".chain.ok, .chain.bad");
      print({
        step: "audit",
        chain: await page.$eval(".chain", (n) => n.textContent),
        rows: await page.$$eval("table.audit tbody tr", (rows) => rows.map((r) => ({ id: r.dataset.auditId, cells: [...r.cells].map((c) => c.textContent) }))),
      });
    } else if (command.watchProposal) {
      await page.goto(`${base}/proposal/${command.watchProposal}`);
      await page.waitForSelector("form.decide");
      await page.waitForSelector("#live.on");
      print({ step: "watching" });
    } else if (command.awaitNotice) {
      await page.waitForSelector(".notice", { timeout: 10000 });
      print({
        step: "changed",
        notice: await page.$eval(".notice", (n) => n.textContent),
        status: await page.$eval('[data-fact="Status"]', (n) => n.textContent),
        form: (await page.$("form.decide")) !== null,
      });
    } else if (command.watchAudit) {
      await page.goto(`${base}/audit`);
      await page.waitForSelector("table.audit tbody tr");
      await page.waitForSelector("#live.on");
      // A reload would start a new document; this mark on the window would be gone after one.
      await page.evaluate(() => { window.sameDocument = true; });
      print({ step: "watching", rows: await page.$$eval("table.audit tbody tr", (rows) => rows.length) });
    } else if (command.awaitAuditRows) {
      await page.waitForFunction((n) => document.querySelectorAll("table.audit tbody tr").length >= n, { timeout: 10000 }, command.awaitAuditRows);
      print({
        step: "audit",
        sameDocument: await page.evaluate(() => window.sameDocument === true),
        chain: await page.$eval(".chain", (n) => n.textContent),
        rows: await page.$$eval("table.audit tbody tr", (rows) => rows.map((r) => ({ id: r.dataset.auditId, cells: [...r.cells].map((c) => c.textContent) }))),
      });
    } else if (command.stale) {
      // A tab that cannot hear changes, as one whose stream has not caught up: its answer races another.
      stale = await browser.newPage();
      await stale.setRequestInterception(true);
      stale.on("request", (request) => (new URL(request.url()).pathname === "/events" ? request.abort() : request.continue()));
      await stale.goto(`${base}/proposal/${command.stale}`);
      await stale.waitForSelector("form.decide");
      print({ step: "opened" });
    } else if (command.approveStale) {
      await stale.click("button[data-action=approve]");
      await stale.waitForFunction(() => document.querySelector(".notice") || document.querySelector(".error")?.textContent, { timeout: 10000 });
      print({
        step: "conflict",
        notice: await stale.$eval(".notice", (n) => n.textContent).catch(() => null),
        status: await stale.$eval('[data-fact="Status"]', (n) => n.textContent),
        form: (await stale.$("form.decide")) !== null,
      });
      await stale.close();
    } else if (command.forge) {
      // A page of another origin (here: about:blank) submits a form at the dashboard, as a hostile
      // site would: its cookie is SameSite=Strict and its Origin is not the dashboard's.
      const hostile = await browser.newPage();
      await hostile.setContent(`<form id="f" method="post" enctype="text/plain" action="${base}/api/proposal/${command.forge}/decision">
        <input name='{"action":"approve","notes":"forged","x":"' value='"}'></form>`);
      const [navigation] = await Promise.all([hostile.waitForNavigation(), hostile.$eval("#f", (f) => f.submit())]);
      print({ step: "forged", status: navigation?.status() ?? null, body: (await hostile.content()).slice(0, 300) });
      await hostile.close();
    }
  }
} finally {
  await browser.close();
}
