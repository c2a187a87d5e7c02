// Timelines, drawn: the learner's latest failing run beside the expected one.
//
// `cargo lab check` (and watch mode) keeps the latest run of each exercise in
// .lab/runs/NAME.json; `cargo lab book` serves it at /lab/runs/NAME.json.
// The reference solution's runs are part of the book (src/timelines/NAME.json,
// written by `cargo lab gen-timelines`). lab-status.js calls draw() when a
// run changes. The layout is the one of the chapters' figures
// (tooling/lab/src/timeline_svg.rs): one lane per task, the cancel as a red
// line, work recorded after it in red, one time axis for both panels.
//
// Everything is built with createElement and textContent: the events' texts
// come from the learner's code and are never parsed as markup.
(function () {
    "use strict";
    var SVG = "http://www.w3.org/2000/svg";
    var LABEL = 120, PLOT = 520, WIDTH = 800, LANE = 22, MAX_LANES = 8;
    var BLUE = "#3465a4", RED = "#cc0000", GREY = "#777777";

    function el(name, attrs, text) {
        var node = document.createElementNS(SVG, name);
        Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
        if (text !== undefined) { node.textContent = text; }
        return node;
    }

    function stopAt(run) {
        return run.cancel_at !== null && run.cancel_at !== undefined ? run.cancel_at : run.ended_at;
    }

    function cancelLane(run) {
        var cancel = run.events.filter(function (e) { return e.cancel; })[0];
        return cancel ? cancel.lane : null;
    }

    function laneNames(run) {
        var seen = [];
        run.events.forEach(function (e) { if (seen.indexOf(e.lane) === -1) { seen.push(e.lane); } });
        return function (lane) {
            var index = seen.indexOf(lane);
            return seen.length > MAX_LANES && index >= MAX_LANES - 1 ? "other" : lane;
        };
    }

    // Linear up to twice the stop, compressed after it when the run goes on
    // for more than ten times as long (a heartbeat an hour later).
    function axis(runs) {
        var last = 0.001, stop = 0;
        runs.forEach(function (run) {
            run.events.forEach(function (e) { last = Math.max(last, e.at); });
            var s = stopAt(run);
            if (s !== null && s !== undefined) { last = Math.max(last, s); stop = Math.max(stop, s); }
        });
        var knee = stop > 0 && last > 10 * stop ? 2 * stop : last;
        var end = last * 1.04, broken = knee < last;
        return {
            broken: broken, knee: knee, end: end,
            x: function (at) {
                var f = !broken ? at / end
                    : at <= knee ? at / knee * 0.7
                    : 0.7 + (at - knee) / (end - knee) * 0.3;
                return LABEL + Math.min(Math.max(f, 0), 1) * PLOT;
            }
        };
    }

    function panel(svg, ax, title, run, top) {
        svg.appendChild(el("text", { x: 4, y: top + 12, "font-weight": "bold" }, title));
        var name = laneNames(run), lanes = [];
        run.events.forEach(function (e) { if (lanes.indexOf(name(e.lane)) === -1) { lanes.push(name(e.lane)); } });
        var first = top + 22, bottom = first + LANE * Math.max(lanes.length, 1);
        var stop = stopAt(run), own = cancelLane(run);
        lanes.forEach(function (lane, index) {
            var mid = first + LANE * index + LANE / 2, count = 0, late = 0;
            svg.appendChild(el("text", { x: 4, y: mid + 4, fill: "#333" }, lane.length > 16 ? lane.slice(0, 15) + "…" : lane));
            svg.appendChild(el("line", { x1: LABEL, y1: mid, x2: LABEL + PLOT, y2: mid, stroke: "#dddddd" }));
            run.events.filter(function (e) { return name(e.lane) === lane; }).forEach(function (e) {
                count += 1;
                var isLate = stop !== null && stop !== undefined && e.at > stop && e.lane !== own && !e.cancel;
                if (isLate) { late += 1; }
                var dot = el("circle", { cx: ax.x(e.at).toFixed(1), cy: mid, r: 3.5, fill: isLate ? RED : BLUE,
                    "data-late": isLate ? "true" : "false" });
                dot.appendChild(el("title", {}, "t=" + e.at + "s " + e.what));
                svg.appendChild(dot);
            });
            var note = count + (count === 1 ? " event" : " events") + (late ? ", " + late + " late" : "");
            svg.appendChild(el("text", { x: LABEL + PLOT + 8, y: mid + 4, fill: late ? RED : GREY }, note));
        });
        if (stop !== null && stop !== undefined) {
            var x = ax.x(stop).toFixed(1), cancelled = run.cancel_at !== null && run.cancel_at !== undefined;
            var line = el("line", { x1: x, y1: first - 4, x2: x, y2: bottom, stroke: cancelled ? RED : GREY, "stroke-width": 2,
                "class": "lab-timeline-stop" });
            if (!cancelled) { line.setAttribute("stroke-dasharray", "4 3"); }
            svg.appendChild(line);
            svg.appendChild(el("text", { x: Number(x) + 4, y: first + 6, fill: cancelled ? RED : GREY },
                (cancelled ? "cancel" : "ended") + " t=" + stop + "s"));
        }
        return bottom;
    }

    function ticks(end) {
        var raw = end / 5, magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        var step = [1, 2, 5, 10].map(function (m) { return m * magnitude; }).filter(function (s) { return s >= raw; })[0];
        var out = [];
        for (var t = 0; t <= end * 1.0001; t += step) { out.push(t); }
        return out;
    }

    function figure(caption, panels) {
        var ax = axis(panels.map(function (p) { return p.run; }));
        var svg = el("svg", { viewBox: "0 0 " + WIDTH + " 100", width: "100%", role: "img",
            "font-family": "sans-serif", "font-size": 12, "class": "lab-timeline-figure" });
        svg.appendChild(el("title", {}, caption));
        var y = 8;
        panels.forEach(function (p) { y = panel(svg, ax, p.title, p.run, y) + 14; });
        svg.appendChild(el("line", { x1: LABEL, y1: y, x2: LABEL + PLOT, y2: y, stroke: "#333" }));
        var marks = ticks(Math.min(ax.knee, ax.end));
        if (ax.broken) {
            marks.push(ax.end / 1.04);
            var kx = ax.x(ax.knee);
            svg.appendChild(el("line", { x1: kx, y1: 8, x2: kx, y2: y, stroke: "#999", "stroke-dasharray": "2 4" }));
            svg.appendChild(el("text", { x: kx + 4, y: y + 28, fill: "#666" }, "(time compressed)"));
        }
        marks.forEach(function (t) {
            var x = ax.x(t);
            svg.appendChild(el("line", { x1: x, y1: y, x2: x, y2: y + 4, stroke: "#333" }));
            svg.appendChild(el("text", { x: x, y: y + 16, "text-anchor": "middle", fill: "#333" },
                Math.round(t * 1000) / 1000 + "s"));
        });
        svg.appendChild(el("text", { x: 4, y: y + 16, fill: "#666" }, "virtual time"));
        svg.setAttribute("viewBox", "0 0 " + WIDTH + " " + (y + 34));
        return svg;
    }

    function para(text, className) {
        var p = document.createElement("p");
        p.textContent = text;
        if (className) { p.className = className; }
        return p;
    }

    // Fills `box` with the run: a choice of failing test when there are
    // several, its story, and the diagram (with the expected run where the
    // book has it: runs on the paused clock only, since a real-clock run is
    // different every time).
    function draw(box, run, reference) {
        box.replaceChildren();
        if (run.solved) {
            box.appendChild(para("Your latest run passes every test: nothing is drawn."));
            return;
        }
        if (run.timelines.length === 0) {
            box.appendChild(para(run.failed_tests.length
                ? "Your latest run fails " + run.failed_tests.join(", ") + "; those tests left no timeline to draw."
                : "Your latest run did not get as far as the tests (does it compile?)."));
            return;
        }
        var heading = document.createElement("p");
        heading.style.fontWeight = "bold";
        heading.textContent = "Your latest run, in virtual time (" + run.timelines.length + " failing test" +
            (run.timelines.length === 1 ? "" : "s") + " drawn):";
        box.appendChild(heading);
        var pick = null;
        if (run.timelines.length > 1) {
            pick = document.createElement("select");
            pick.setAttribute("aria-label", "Failing test to draw");
            run.timelines.forEach(function (t, index) {
                var option = document.createElement("option");
                option.value = String(index);
                option.textContent = t.test;
                pick.appendChild(option);
            });
            box.appendChild(pick);
        }
        var shown = document.createElement("div");
        box.appendChild(shown);
        function showTest(index) {
            var mine = run.timelines[index];
            var expected = reference && reference.solution ? reference.solution[mine.test] : null;
            shown.replaceChildren();
            shown.appendChild(para("Test " + mine.test + ": " + mine.story));
            if (mine.question) { shown.appendChild(para(mine.question)); }
            var panels = [{ title: "Your code (red: work after the stop)", run: mine }];
            if (expected) {
                panels.push({ title: "The reference solution, same test", run: expected });
            }
            shown.appendChild(figure("Your run of " + mine.test + (expected ? ", and the expected run" : ""), panels));
            if (!expected) {
                shown.appendChild(para(mine.clock === "real"
                    ? "(This test runs on the real clock, so there is no fixed expected run to show beside yours.)"
                    : "(No expected run of this test is in the book.)", "lab-timeline-note"));
            }
        }
        if (pick) { pick.addEventListener("change", function () { showTest(Number(pick.value)); }); }
        showTest(0);
    }

    window.labTimeline = { draw: draw };
})();
