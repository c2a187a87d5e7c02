// Exercise status in the "Your turn" boxes, live.
//
// When the book is served by `cargo lab book`, the server marks every page
// with <meta name="lab-served"> and answers /lab/status.json with the
// learner's progress. This script then shows, in each chapter's "Your turn"
// box, whether its exercise is solved, and keeps it up to date without a
// page reload. Served any other way (mdbook serve, a file), it does nothing,
// so the book never asks for a URL that is not there.
(function () {
    "use strict";
    if (!document.querySelector('meta[name="lab-served"]')) {
        return;
    }
    var heading = document.getElementById("your-turn");
    if (!heading) {
        return;
    }
    var box = heading.nextElementSibling;
    while (box && box.tagName !== "BLOCKQUOTE") {
        box = box.nextElementSibling;
    }
    var match = box && box.textContent.match(/cargo lab check ([\w-]+)/);
    if (!match) {
        return;
    }
    var exercise = match[1];
    var badge = document.createElement("p");
    badge.className = "lab-status";
    badge.setAttribute("data-exercise", exercise);
    box.appendChild(badge);

    function show(solved) {
        badge.textContent = solved
            ? "Status: solved. Well done!"
            : "Status: not solved yet. Run `cargo lab` in a terminal: it re-tests on every save.";
        badge.setAttribute("data-solved", solved ? "true" : "false");
        badge.style.fontWeight = "bold";
    }

    function refresh() {
        fetch("/lab/status.json", { cache: "no-store" })
            .then(function (response) { return response.json(); })
            .then(function (status) { show(status.solved.indexOf(exercise) !== -1); })
            .catch(function () { /* the server stopped: keep the last status */ });
    }
    refresh();
    setInterval(refresh, 2000);
})();
