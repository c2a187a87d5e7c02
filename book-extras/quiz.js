// "Predict the timeline" questions, answered in the page.
//
// Each question is a <div class="lab-quiz"> written by `cargo lab gen-docs`
// from quizzes/questions.toml, holding its data (kind, choices, answer, why)
// as JSON in a <script type="application/json">. This script draws the
// answers (radio buttons or a number field) and a Check button, says whether
// the answer was right and why, and keeps the learner's answer in
// localStorage, so it is still there after a reload. It asks for nothing
// over the network and works the same under `cargo lab book`, `mdbook serve`
// and a file opened from disk. Every text is set with textContent: nothing
// from the data is parsed as HTML.
(function () {
    "use strict";
    var prefix = "lab-quiz:";

    function load(id) {
        try {
            return window.localStorage.getItem(prefix + id);
        } catch (error) {
            return null; // storage turned off: the answer lasts until a reload
        }
    }

    function save(id, answer) {
        try {
            window.localStorage.setItem(prefix + id, answer);
        } catch (error) {
            // Storage turned off or full: nothing else to do.
        }
    }

    // Text with `code` spans, as the key writes it, into a parent element.
    function appendText(parent, text) {
        text.split("`").forEach(function (piece, index) {
            if (index % 2 === 1) {
                var code = document.createElement("code");
                code.textContent = piece;
                parent.appendChild(code);
            } else if (piece) {
                parent.appendChild(document.createTextNode(piece));
            }
        });
    }

    function isRight(data, answer) {
        if (data.kind === "number") {
            var given = Number(String(answer).trim());
            return String(answer).trim() !== "" && Math.abs(given - Number(data.answer)) < 1e-9;
        }
        return answer === data.answer;
    }

    function setUp(box, index) {
        var script = box.querySelector('script[type="application/json"]');
        if (!script) {
            return;
        }
        var data = JSON.parse(script.textContent);
        var id = data.id;
        var form = document.createElement("form");
        form.className = "lab-quiz-form";
        var fieldset = document.createElement("fieldset");
        var legend = document.createElement("legend");
        legend.textContent = "Your prediction";
        fieldset.appendChild(legend);
        var readAnswer;
        var showAnswer;
        if (data.kind === "number") {
            var label = document.createElement("label");
            label.textContent = "Answer (a number): ";
            var input = document.createElement("input");
            input.type = "text";
            input.inputMode = "decimal";
            input.name = "answer";
            input.className = "lab-quiz-number";
            input.autocomplete = "off";
            label.appendChild(input);
            fieldset.appendChild(label);
            readAnswer = function () { return input.value.trim(); };
            showAnswer = function (answer) { input.value = answer; };
        } else {
            var radios = data.choices.map(function (choice, n) {
                var label = document.createElement("label");
                label.className = "lab-quiz-choice";
                var radio = document.createElement("input");
                radio.type = "radio";
                radio.name = "quiz-" + index;
                radio.value = choice;
                radio.id = "quiz-" + index + "-" + n;
                var text = document.createElement("code");
                text.textContent = choice;
                label.appendChild(radio);
                label.appendChild(document.createTextNode(" "));
                label.appendChild(text);
                fieldset.appendChild(label);
                return radio;
            });
            readAnswer = function () {
                var picked = radios.filter(function (radio) { return radio.checked; })[0];
                return picked ? picked.value : "";
            };
            showAnswer = function (answer) {
                radios.forEach(function (radio) { radio.checked = radio.value === answer; });
            };
        }
        var button = document.createElement("button");
        button.type = "submit";
        button.textContent = "Check";
        fieldset.appendChild(button);
        form.appendChild(fieldset);
        var feedback = document.createElement("div");
        feedback.className = "lab-quiz-feedback";
        feedback.setAttribute("role", "status");
        feedback.setAttribute("aria-live", "polite");
        form.appendChild(feedback);
        box.appendChild(form);

        function judge(answer) {
            feedback.textContent = "";
            if (answer === "") {
                box.removeAttribute("data-state");
                feedback.textContent = "Pick an answer first.";
                return;
            }
            var right = isRight(data, answer);
            box.setAttribute("data-state", right ? "right" : "wrong");
            var verdict = document.createElement("p");
            verdict.className = "lab-quiz-verdict";
            var strong = document.createElement("strong");
            strong.textContent = right ? "Right." : "Not quite.";
            verdict.appendChild(strong);
            if (!right) {
                verdict.appendChild(document.createTextNode(" The code really gives "));
                var real = document.createElement("code");
                real.textContent = data.answer;
                verdict.appendChild(real);
                verdict.appendChild(document.createTextNode("."));
            }
            feedback.appendChild(verdict);
            var why = document.createElement("p");
            why.className = "lab-quiz-why";
            appendText(why, data.why);
            feedback.appendChild(why);
        }

        form.addEventListener("submit", function (event) {
            event.preventDefault();
            var answer = readAnswer();
            if (answer !== "") {
                save(id, answer);
            }
            judge(answer);
        });
        var saved = load(id);
        if (saved !== null) {
            showAnswer(saved);
            judge(saved);
        }
    }

    var boxes = document.querySelectorAll(".lab-quiz");
    for (var i = 0; i < boxes.length; i++) {
        setUp(boxes[i], i);
    }
})();
