//! `cargo lab check-quizzes`: every "Predict the timeline" question's code is
//! run, and its real outcome compared with the answer key, so the book never
//! marks a wrong answer right. The code runs in the `quizzes` binary, built
//! and started by cargo: each question on a runtime of its own with the clock
//! paused, bounded in wall time by the runner itself (a question that hangs
//! is reported, not waited on). This side only reads its JSON and judges.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::course::Course;
use crate::quiz_key::{self, Kind, Question};
use crate::suite::exit;

/// One line of the runner's `--json` output.
#[derive(Debug, Deserialize)]
pub struct Ran {
    pub id: String,
    pub outcome: Option<String>,
    pub error: Option<String>,
}

pub fn run(course: &Course) -> Result<ExitCode> {
    let root = course.root.as_path();
    let questions = quiz_key::load(root)?;
    let problems = quiz_key::problems(root, &questions)?;
    for problem in &problems {
        println!("✗ {problem}");
    }
    let ran = run_questions(course)?;
    let verdict = judge(&questions, &ran);
    for line in &verdict.wrong {
        println!("✗ {line}");
    }
    println!(
        "quizzes: {} checked, {} wrong",
        verdict.checked,
        verdict.wrong.len()
    );
    Ok(exit(problems.is_empty() && verdict.wrong.is_empty()))
}

/// Builds and runs `quizzes --json` in the course's workspace.
fn run_questions(course: &Course) -> Result<Vec<Ran>> {
    let output = crate::cargo::cargo()
        .current_dir(&course.root)
        .args(["run", "--quiet", "--package", "quizzes", "--", "--json"])
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("cannot run cargo")?;
    if !output.status.success() {
        bail!("the quizzes runner failed ({}): see above", output.status);
    }
    serde_json::from_slice(&output.stdout).context("the quizzes runner's output is not its JSON")
}

pub struct Verdict {
    pub checked: usize,
    /// One line per question whose key is wrong or that did not run.
    pub wrong: Vec<String>,
}

/// Every question of the key against what its code really did.
pub fn judge(questions: &[Question], ran: &[Ran]) -> Verdict {
    let by_id: BTreeMap<&str, &Ran> = ran.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut wrong = Vec::new();
    for q in questions {
        match by_id.get(q.id.as_str()) {
            None => wrong.push(format!(
                "{}: no such question in quizzes/src (its code is not registered in `questions()`)",
                q.id
            )),
            Some(Ran {
                error: Some(error), ..
            }) => wrong.push(format!(
                "{}: its code did not run to the end: {error}",
                q.id
            )),
            Some(Ran {
                outcome: Some(outcome),
                ..
            }) => {
                if !agrees(q, outcome) {
                    wrong.push(format!(
                        "{}: the key says {:?}, the code really gives {:?}",
                        q.id, q.answer, outcome
                    ));
                }
            }
            Some(_) => wrong.push(format!("{}: the runner gave no outcome", q.id)),
        }
    }
    for r in ran {
        if !questions.iter().any(|q| q.id == r.id) {
            wrong.push(format!(
                "{}: runs in quizzes/src but has no key in {}",
                r.id,
                quiz_key::KEY
            ));
        }
    }
    Verdict {
        checked: questions.len(),
        wrong,
    }
}

/// A choice must be the outcome exactly; a number must equal it as a number.
fn agrees(question: &Question, outcome: &str) -> bool {
    match question.kind {
        Kind::Choice => question.answer == outcome,
        Kind::Number => match (
            question.answer.trim().parse::<f64>(),
            outcome.trim().parse::<f64>(),
        ) {
            (Ok(key), Ok(real)) => (key - real).abs() < 1e-9,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: &str, kind: Kind, answer: &str) -> Question {
        Question {
            id: id.into(),
            chapter: "why.md".into(),
            file: "why.rs".into(),
            anchor: "a".into(),
            kind,
            prompt: "?".into(),
            choices: vec![],
            answer: answer.into(),
            why: "because".into(),
        }
    }

    fn ran(id: &str, outcome: &str) -> Ran {
        Ran {
            id: id.into(),
            outcome: Some(outcome.into()),
            error: None,
        }
    }

    #[test]
    fn a_wrong_key_is_reported_with_the_real_outcome() {
        let questions = [
            question("right", Kind::Number, "3"),
            question("wrong", Kind::Number, "2.5"),
            question("choice", Kind::Choice, "Ok(42)"),
        ];
        let verdict = judge(
            &questions,
            &[
                ran("right", "3"),
                ran("wrong", "3"),
                ran("choice", "Err(Elapsed(()))"),
            ],
        );
        assert_eq!(verdict.checked, 3);
        assert_eq!(verdict.wrong.len(), 2, "{:?}", verdict.wrong);
        assert!(
            verdict.wrong[0].contains("\"2.5\"") && verdict.wrong[0].contains("\"3\""),
            "{:?}",
            verdict.wrong
        );
        assert!(
            verdict.wrong[1].contains("Err(Elapsed(()))"),
            "{:?}",
            verdict.wrong
        );
    }

    #[test]
    fn numbers_agree_as_numbers_and_choices_exactly() {
        assert!(agrees(&question("n", Kind::Number, "3"), "3.0"));
        assert!(!agrees(&question("n", Kind::Number, "3"), "3.001"));
        assert!(!agrees(&question("n", Kind::Number, "3"), "three"));
        assert!(!agrees(&question("c", Kind::Choice, "Ok(42)"), "Ok(42) "));
    }

    #[test]
    fn a_hang_a_missing_question_and_a_question_with_no_key_are_wrong() {
        let questions = [
            question("hangs", Kind::Number, "1"),
            question("gone", Kind::Number, "1"),
        ];
        let hung = Ran {
            id: "hangs".into(),
            outcome: None,
            error: Some("no outcome after 10s: it hangs or spins".into()),
        };
        let verdict = judge(&questions, &[hung, ran("extra", "1")]);
        assert_eq!(verdict.wrong.len(), 3, "{:?}", verdict.wrong);
    }
}
