// Exercise status in the "Your turn" boxes, live.
//
// When the book is served by `cargo lab book`, the server marks every page
// with <meta name="lab-served"> and answers /lab/status.json with the
// learner's progress. This script then shows, in each chapter's "Your turn"
// box, whether its exercise is solved, and keeps it up to date without a
// page reload. Served any other way (mdbook serve, a file), it does nothing,
// so the book never asks for a URL that is not there.
//
// Under the badge it draws the learner's latest failing run (see
// lab-timeline.js), fetched again only when its time in the status changes.
(function () {
    "use strict";
    if (!document.querySelector('meta[name="lab-served"]')) {
        return;
    }
    var heading = document.getElementById("your-turn");
    if (!heading) {
        return;
    }
    // Every box of the section (up to the next heading) that names an
    // exercise gets a badge: a chapter may have two exercises (database
    // and long-query), each with its own status.
    var badges = [];
    for (var box = heading.nextElementSibling; box && !/^H[12]$/.test(box.tagName); box = box.nextElementSibling) {
        var match = box.tagName === "BLOCKQUOTE" && box.textContent.match(/cargo lab check ([\w-]+)/);
        if (!match) {
            continue;
        }
        var badge = document.createElement("p");
        badge.className = "lab-status";
        badge.setAttribute("data-exercise", match[1]);
        badge.style.fontWeight = "bold";
        box.appendChild(badge);
        var drawing = document.createElement("div");
        drawing.className = "lab-timeline";
        drawing.setAttribute("data-exercise", match[1]);
        box.appendChild(drawing);
        badges.push(badge);
    }
    if (badges.length === 0) {
        return;
    }

    function show(solved) {
        badges.forEach(function (badge) {
            var done = solved.indexOf(badge.getAttribute("data-exercise")) !== -1;
            badge.textContent = done
                ? "Status: solved. Well done!"
                : "Status: not solved yet. Run `cargo lab` in a terminal: it re-tests on every save.";
            badge.setAttribute("data-solved", done ? "true" : "false");
        });
    }

    // The latest run's time for each exercise drawn, and the reference runs
    // (part of the book: fetched once per exercise).
    var drawnAt = {};
    var references = {};
    function reference(exercise) {
        if (!references[exercise]) {
            var root = typeof path_to_root === "string" ? path_to_root : "";
            references[exercise] = fetch(root + "timelines/" + exercise + ".json")
                .then(function (response) { return response.ok ? response.json() : null; })
                .catch(function () { return null; });
        }
        return references[exercise];
    }

    function drawRuns(runs) {
        if (!window.labTimeline) {
            return;
        }
        document.querySelectorAll("div.lab-timeline").forEach(function (box) {
            var exercise = box.getAttribute("data-exercise");
            var at = runs && runs[exercise];
            if (!at || drawnAt[exercise] === at) {
                return;
            }
            drawnAt[exercise] = at;
            Promise.all([
                fetch("/lab/runs/" + exercise + ".json", { cache: "no-store" })
                    .then(function (response) { return response.ok ? response.json() : null; }),
                reference(exercise)
            ]).then(function (both) {
                if (both[0]) {
                    window.labTimeline.draw(box, both[0], both[1]);
                }
            }).catch(function () { delete drawnAt[exercise]; });
        });
    }

    function refresh() {
        fetch("/lab/status.json", { cache: "no-store" })
            .then(function (response) { return response.json(); })
            .then(function (status) { show(status.solved); drawRuns(status.runs); })
            .catch(function () { /* the server stopped: keep the last status */ });
    }
    refresh();
    setInterval(refresh, 2000);
})();
