//! `quizzes`: runs every question of the book and prints what each really
//! did. `cargo lab check-quizzes` runs it with `--json` and compares the
//! outcomes with the answer key; `--only ID` runs one question.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1));
    let questions: Vec<_> = quizzes::all()
        .into_iter()
        .filter(|q| only.is_none_or(|id| id == q.id))
        .collect();
    if questions.is_empty() {
        eprintln!("quizzes: no question {}", only.map_or("", String::as_str));
        return ExitCode::FAILURE;
    }
    // A panic is reported as the question's outcome; the default hook's
    // message and backtrace on stderr would only repeat it.
    std::panic::set_hook(Box::new(|_| {}));
    let outcomes = quizzes::run_all(&questions);
    if json {
        let list: Vec<_> = outcomes
            .iter()
            .map(|(id, outcome)| match outcome {
                Ok(value) => serde_json::json!({ "id": id, "outcome": value }),
                Err(error) => serde_json::json!({ "id": id, "error": error }),
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else {
        for (id, outcome) in &outcomes {
            match outcome {
                Ok(value) => println!("{id}: {value}"),
                Err(error) => println!("{id}: ERROR {error}"),
            }
        }
    }
    // Returning from main ends the process, and with it any hung thread.
    ExitCode::SUCCESS
}
