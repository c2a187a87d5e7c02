// The rendered book, checked in a real browser.
//
// Drives the system's Chromium (Debian's `chromium`; playwright-core never
// downloads a browser of its own) over the book as `cargo lab book` serves
// it, and checks what a reader would notice:
//
// - every page loads with no console error, no uncaught exception, and no
//   request to any host but localhost;
// - every image and diagram loads;
// - every "Your turn" box names an exercise that exists in course.toml;
// - the search box finds child_token, TaskTracker and with_graceful_shutdown;
// - the exercise status in "Your turn" follows the learner's progress file
//   without a page reload;
// - the learner's latest failing run of `why` is drawn there (the cancel,
//   the work after it, the reference run beside it) and redrawn when the
//   next run is in;
// - every "Predict the timeline" question is drawn; a wrong answer says "Not
//   quite" with the why, a right one "Right", by mouse and by keyboard, and
//   the answer is still there after a reload.
//
// Usage: node check.mjs   (env: BASE_URL, COURSE_ROOT, BOOK_DIR, CHROMIUM, SHOTS_DIR)
// It ends with "N passed, M failed" and exits non-zero on any failure.

import { chromium } from "playwright-core";
import { readFileSync, readdirSync, mkdirSync, writeFileSync, existsSync, renameSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { check, failures, summary } from "./tally.mjs";

const base = process.env.BASE_URL ?? "http://127.0.0.1:3000/";
const root = process.env.COURSE_ROOT ?? join(import.meta.dirname, "../..");
const shots = process.env.SHOTS_DIR ?? join(root, "target/ci-artifacts");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";


function htmlPages(dir, bookDir = dir) {
    const pages = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
            pages.push(...htmlPages(path, bookDir));
        } else if (entry.name.endsWith(".html") && !["print.html", "toc.html"].includes(entry.name)) {
            pages.push(relative(bookDir, path));
        }
    }
    return pages.sort();
}

const exercises = [...readFileSync(join(root, "course.toml"), "utf8").matchAll(/^name = "([^"]+)"/gm)].map((m) => m[1]);
const isLocal = (url) => {
    const { protocol, hostname } = new URL(url);
    return ["data:", "blob:", "about:"].includes(protocol) || ["127.0.0.1", "localhost", "[::1]"].includes(hostname);
};

const browser = await chromium.launch({
    executablePath,
    args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
mkdirSync(shots, { recursive: true });

// 1. Every page.
const bookDir = process.env.BOOK_DIR ?? join(root, "target/lab/book");
const pages = htmlPages(bookDir);
console.log(`Checking ${pages.length} pages at ${base} in ${executablePath}`);
for (const path of pages) {
    const page = await context.newPage();
    const problems = [];
    page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
    page.on("request", (request) => {
        if (!isLocal(request.url())) problems.push(`request to another host: ${request.url()}`);
    });
    page.on("requestfailed", (request) => problems.push(`failed request: ${request.url()}`));
    const response = await page.goto(new URL(path, base).href, { waitUntil: "networkidle" });
    const expectedStatus = path === "404.html" ? [200, 404] : [200];
    check(response && expectedStatus.includes(response.status()), `${path}: HTTP ${response?.status()}`);
    const brokenImages = await page.$$eval("img", (images) =>
        images.filter((img) => !img.complete || img.naturalWidth === 0).map((img) => img.getAttribute("src")),
    );
    check(brokenImages.length === 0, `${path}: images that did not load: ${brokenImages.join(", ")}`);
    const yourTurn = await page.$eval("#your-turn", (heading) => {
        let box = heading.nextElementSibling;
        while (box && box.tagName !== "BLOCKQUOTE") box = box.nextElementSibling;
        return box ? box.textContent : "";
    }).catch(() => null);
    if (yourTurn !== null) {
        const named = yourTurn.match(/cargo lab check ([\w-]+)/)?.[1];
        check(named && exercises.includes(named), `${path}: "Your turn" names ${named ?? "no exercise"}, not one of course.toml's`);
    }
    const undrawn = await page.$$eval(".lab-quiz", (boxes) => boxes.filter((box) => !box.querySelector("form")).map((box) => box.id));
    check(undrawn.length === 0, `${path}: questions not drawn: ${undrawn.join(", ")}`);
    check(problems.length === 0, `${path}: ${problems.join("; ")}`);
    await page.close();
}

// 2. Search: typed into the search box as a reader would.
const page = await context.newPage();
await page.goto(new URL("index.html", base).href, { waitUntil: "networkidle" });
for (const term of ["child_token", "TaskTracker", "with_graceful_shutdown"]) {
    if (!(await page.isVisible("#mdbook-searchbar"))) await page.click("#mdbook-search-toggle");
    await page.fill("#mdbook-searchbar", "");
    await page.locator("#mdbook-searchbar").pressSequentially(term, { delay: 20 });
    const found = await page
        .waitForFunction(() => document.querySelectorAll("#mdbook-searchresults li").length > 0, null, { timeout: 5000 })
        .then(() => true, () => false);
    const count = await page.$$eval("#mdbook-searchresults li", (items) => items.length);
    check(found, `search for ${term} found nothing`);
    console.log(`  search ${term}: ${count} results`);
    if (term === "child_token") await page.screenshot({ path: join(shots, "search-child-token.png") });
}
await page.close();

// 3. Live exercise status: mark `why` solved in the progress file; the open
// page must show it within a few seconds, with no reload.
const progress = join(root, ".lab/progress.toml");
const saved = existsSync(progress) ? `${progress}.browser-check` : null;
if (saved) renameSync(progress, saved);
try {
    const why = await context.newPage();
    await why.goto(new URL("why.html", base).href, { waitUntil: "networkidle" });
    const badge = why.locator(".lab-status");
    check((await badge.getAttribute("data-solved", { timeout: 5000 }).catch(() => null)) === "false", "why.html: no status badge saying 'not solved yet'");
    mkdirSync(join(root, ".lab"), { recursive: true });
    writeFileSync(progress, "[exercise.why]\nsolved = true\nhints_seen = 0\n");
    const updated = await why
        .waitForFunction(() => document.querySelector(".lab-status")?.dataset.solved === "true", null, { timeout: 8000 })
        .then(() => true, () => false);
    check(updated, "why.html: the status badge did not change to solved without a reload");
    // A chapter with two exercises shows each one's own status: the second
    // (long-query) turns solved on its own, the first stays as it is.
    const database = await context.newPage();
    await database.goto(new URL("database.html", base).href, { waitUntil: "networkidle" });
    const statusOf = (name) => database.locator(`.lab-status[data-exercise="${name}"]`).getAttribute("data-solved", { timeout: 5000 }).catch(() => null);
    check((await statusOf("database")) === "false", "database.html: no 'not solved yet' badge for database");
    check((await statusOf("long-query")) === "false", "database.html: no 'not solved yet' badge for long-query");
    writeFileSync(progress, "[exercise.why]\nsolved = true\nhints_seen = 0\n\n[exercise.long-query]\nsolved = true\nhints_seen = 0\n");
    const secondSolved = await database
        .waitForFunction(() => document.querySelector('.lab-status[data-exercise="long-query"]')?.dataset.solved === "true", null, { timeout: 8000 })
        .then(() => true, () => false);
    check(secondSolved, "database.html: the long-query badge did not change to solved without a reload");
    check((await statusOf("database")) === "false", "database.html: the database badge changed although only long-query was solved");
    await database.close();
    await why.locator("#your-turn").scrollIntoViewIfNeeded();
    await why.evaluate(() => window.scrollBy(0, -120));
    await why.screenshot({ path: join(shots, "why-your-turn-status.png") });
    await why.close();
} finally {
    rmSync(progress, { force: true });
    if (saved) renameSync(saved, progress);
}

// 4. The learner's latest run, drawn: a failing `cargo lab check why` (CI
// runs one before this script) left .lab/runs/why.json; the "Your turn" box
// draws it beside the reference solution's run, and redraws without a reload
// when the next run is in.
const latestRun = join(root, ".lab/runs/why.json");
if (!existsSync(latestRun)) {
    check(false, `${latestRun} is missing: run \`cargo lab check why\` on the untouched starter first`);
} else {
    const original = readFileSync(latestRun, "utf8");
    try {
        const run = JSON.parse(original);
        check(run.solved === false && run.timelines.length > 0, "why.json: the starter's run should be failing, with timelines");
        const why = await context.newPage();
        const problems = [];
        why.on("console", (message) => { if (message.type() === "error") problems.push(message.text()); });
        await why.goto(new URL("why.html", base).href, { waitUntil: "networkidle" });
        const figure = why.locator("div.lab-timeline svg.lab-timeline-figure");
        const drawn = await figure.first().waitFor({ timeout: 8000 }).then(() => true, () => false);
        check(drawn, "why.html: the latest run is not drawn in the Your turn box");
        if (drawn) {
            const shape = await why.$eval("div.lab-timeline", (box) => ({
                text: box.textContent,
                late: box.querySelectorAll('circle[data-late="true"]').length,
                stops: box.querySelectorAll("line.lab-timeline-stop").length,
                tests: box.querySelectorAll("select option").length,
            }));
            check(shape.late > 0, "why.html: the drawing marks no work after the cancel, but the starter's steps run on");
            check(shape.stops === 2, `why.html: expected the cancel marked in both panels, found ${shape.stops}`);
            check(shape.text.includes("The reference solution, same test"), "why.html: no expected run beside the learner's");
            check(shape.tests === run.timelines.length, `why.html: ${shape.tests} failing tests to choose from, the run has ${run.timelines.length}`);
            check(shape.text.includes(run.timelines[0].story), "why.html: the failing test's story is not shown");
            const box = why.locator("div.lab-timeline").first();
            await box.scrollIntoViewIfNeeded();
            await box.screenshot({ path: join(shots, "why-your-turn-timeline.png") });
            // The next run passes: the box says so, with no reload.
            writeFileSync(latestRun, JSON.stringify({ ...run, solved: true, finished_at: run.finished_at + 1, failed_tests: [], timelines: [] }));
            const redrawn = await why
                .waitForFunction(() => document.querySelector("div.lab-timeline")?.textContent.includes("passes every test"), null, { timeout: 8000 })
                .then(() => true, () => false);
            check(redrawn, "why.html: the drawing did not follow the next run without a reload");
        }
        check(problems.length === 0, `why.html with a run drawn: ${problems.join("; ")}`);
        await why.close();
    } finally {
        writeFileSync(latestRun, original);
    }
}

// 5. "Predict the timeline", in a context of its own (no answer stored yet).
{
    const quizContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const quiz = await quizContext.newPage();
    await quiz.goto(new URL("why.html", base).href, { waitUntil: "networkidle" });
    const box = quiz.locator("#quiz-why-steps-before-timeout");
    const field = box.locator("input.lab-quiz-number");
    const feedback = box.locator(".lab-quiz-feedback");
    check((await field.count()) === 1, "why.html: the question has no number field");
    await field.fill("5");
    await box.locator("button").click();
    const wrong = (await feedback.textContent()) ?? "";
    check(wrong.includes("Not quite") && wrong.includes("never polled again"), `why.html: a wrong answer shows ${JSON.stringify(wrong)}, not "Not quite" with the why`);
    check((await box.getAttribute("data-state")) === "wrong", "why.html: a wrong answer is not marked wrong");
    await field.fill("2");
    await box.locator("button").click();
    const right = (await feedback.textContent()) ?? "";
    check(right.startsWith("Right.") && (await box.getAttribute("data-state")) === "right", `why.html: the right answer shows ${JSON.stringify(right)}`);
    await quiz.reload({ waitUntil: "networkidle" });
    check((await field.inputValue()) === "2" && (await box.getAttribute("data-state")) === "right", "why.html: the answer did not survive a reload");
    await box.scrollIntoViewIfNeeded();
    await quiz.screenshot({ path: join(shots, "why-predict-the-timeline.png") });
    // A choice, by keyboard only: focus the first choice (wrong), Space,
    // Enter; then the arrow key to the second (right), Enter.
    await quiz.goto(new URL("token-basics.html", base).href, { waitUntil: "networkidle" });
    const choiceBox = quiz.locator("#quiz-token-basics-child-and-parent");
    await choiceBox.locator('input[type="radio"]').first().focus();
    await quiz.keyboard.press("Space");
    await quiz.keyboard.press("Enter");
    const byKeys = (await choiceBox.locator(".lab-quiz-feedback").textContent()) ?? "";
    check(byKeys.includes("Not quite") && byKeys.includes("parent: false, child: true"), `token-basics.html: a wrong choice by keyboard shows ${JSON.stringify(byKeys)}`);
    await quiz.keyboard.press("ArrowDown");
    await quiz.keyboard.press("Enter");
    check((await choiceBox.getAttribute("data-state")) === "right", "token-basics.html: the right choice by keyboard is not marked right");
    await quizContext.close();
}

await browser.close();
console.log(`\nScreenshots: ${join(shots, "why-your-turn-status.png")}, ${join(shots, "why-your-turn-timeline.png")}, ${join(shots, "why-predict-the-timeline.png")}, ${join(shots, "search-child-token.png")}`);
console.log(`browser-check: ${failures.length === 0 ? "everything passes" : `${failures.length} problems`}`);
console.log(summary());
process.exit(failures.length === 0 ? 0 : 1);
