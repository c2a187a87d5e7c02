// The classroom dashboard, checked in a real browser.
//
// Starts the class server (the built `lab-class` binary) on 127.0.0.1 with a
// fresh database, opens the dashboard in the system's Chromium and checks
// what an instructor relies on:
//
// - without the key the page is refused (401), with a wrong one too (403);
// - the page makes no request to any host but the server itself;
// - a learner who joins and reports appears, failing, then turns green when
//   solved, without a reload;
// - a name holding markup shows as text and runs nothing;
// - Ctrl+C (SIGINT) stops the server gracefully within a bounded time.
//
// Usage: node class-check.mjs   (env: CLASS_SERVER, COURSE_ROOT, CHROMIUM, SHOTS_DIR)
// It ends with "N passed, M failed" and exits non-zero on any failure.

import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { check, failures, summary } from "./tally.mjs";

const root = process.env.COURSE_ROOT ?? join(import.meta.dirname, "../..");
const server = process.env.CLASS_SERVER ?? join(root, "target/debug/lab-class");
const shots = process.env.SHOTS_DIR ?? join(root, "target/ci-artifacts");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";


// Every wait is bounded: a hang fails with a message.
const within = (ms, what, promise) =>
    Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms))]);

const dbDir = mkdtempSync(join(tmpdir(), "class-check-"));
const child = spawn(server, ["serve", "--bind", "127.0.0.1", "--port", "0", `--db=${join(dbDir, "class.db")}`], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
});
const output = [];
const lines = createInterface({ input: child.stdout });
const firstTwo = within(30000, "the server's two lines", new Promise((resolve) => {
    lines.on("line", (line) => {
        output.push(line);
        if (output.length === 2) resolve(output.slice());
    });
}));
const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));

let browser;
try {
    const [join_, dashboard] = await firstTwo;
    const [, , , , , url, code] = join_.split(/\s+/);
    const key = new URL(dashboard.replace(/^dashboard: /, "")).searchParams.get("key");
    check(url.startsWith("http://127.0.0.1:") && /^[A-Z2-9]{6}$/.test(code), `the join line: ${join_}`);
    console.log(`Class server at ${url}`);

    check((await fetch(`${url}/`)).status === 401, "the page without a key is refused with 401");
    check((await fetch(`${url}/?key=wrong`)).status === 403, "the page with a wrong key is refused with 403");

    const post = async (path, body) => {
        const response = await fetch(`${url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body),
        });
        return { status: response.status, body: await response.json() };
    };
    const joinAs = async (name) => {
        const answer = await post("/api/join", { code, name });
        check(answer.status === 200, `${name} joins (${answer.status})`);
        return answer.body.token;
    };
    let id = 0;
    const report = (token, exercise, solved) =>
        post("/api/report", {
            token,
            events: [{
                id: `e${id++}`, exercise, solved, hints: 1, seconds: 90, at: Math.floor(Date.now() / 1000),
                failing: solved ? [] : ["the_report_stops_when_its_caller_drops_it"],
            }],
        });

    browser = await chromium.launch({
        executablePath,
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const elsewhere = [];
    const problems = [];
    page.on("request", (request) => {
        if (!request.url().startsWith(`${url}/`)) elsewhere.push(request.url());
    });
    page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
    page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    await page.goto(`${url}/?key=${key}`);
    // Set once; a reload would lose it.
    await page.evaluate(() => { window.__notReloaded = true; });
    await page.waitForSelector("#status:has-text('0 learners')", { timeout: 5000 });

    const ada = await joinAs("Ada");
    const markup = "<img src=x onerror=window.__ran=1>";
    const mallory = await joinAs(markup);
    check((await report(ada, "why", false)).status === 200, "Ada's failing check is accepted");
    check((await report(mallory, "why", false)).status === 200, "the second learner's check is accepted");

    const adaWhy = 'tr[data-learner="Ada"] td[data-exercise="why"]';
    await page.waitForSelector(`${adaWhy}.failing`, { timeout: 5000 });
    check(true, "Ada appears, failing `why`, without a reload");
    check((await report(ada, "why", true)).status === 200, "Ada's passing check is accepted");
    await page.waitForSelector(`${adaWhy}.solved`, { timeout: 5000 });
    check(true, "Ada's `why` turns green without a reload");
    check(await page.evaluate(() => window.__notReloaded === true), "the page was never reloaded");

    const names = await page.$$eval("td.name", (cells) => cells.map((c) => c.textContent));
    check(names.includes(markup), `the name with markup shows as text: ${JSON.stringify(names)}`);
    check((await page.$$("#grid img")).length === 0, "no image element was made from a name");
    check(await page.evaluate(() => window.__ran === undefined), "the markup in a name ran nothing");
    const common = await page.textContent("#common");
    check(common.includes("the_report_stops_when_its_caller_drops_it"), `the most-hit failing test is named: ${common}`);
    const stuck = await page.textContent("#stuck");
    check(stuck.includes(markup) && !stuck.includes("Ada"), `only the stuck learner is under "Stuck longest": ${stuck}`);
    check(elsewhere.length === 0, `no request leaves the server: ${elsewhere.join(", ")}`);
    check(problems.length === 0, `no page errors: ${problems.join("; ")}`);

    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, "class-dashboard.png") });
    console.log(`screenshot: ${join(shots, "class-dashboard.png")}`);
} catch (error) {
    check(false, `the check stopped: ${error.message}`);
} finally {
    if (browser) await browser.close();
    child.kill("SIGINT");
    try {
        const { code } = await within(10000, "the graceful shutdown", exited);
        check(code === 0, `Ctrl+C stops the server cleanly (exit code ${code})`);
        check(output.some((line) => line.startsWith("stopped;")), `the server says it stopped: ${output.slice(2).join(" / ")}`);
    } catch (error) {
        check(false, error.message);
        child.kill("SIGKILL");
    }
    rmSync(dbDir, { recursive: true, force: true });
}

console.log(summary());
process.exit(failures.length === 0 ? 0 : 1);
