//! Timelines as data: every failing lesson leaves its timeline in a JSON file,
//! so that `cargo lab` can keep the learner's latest run and the served book
//! can draw it.
//!
//! Nothing is written unless the runner asks for it by setting
//! `LAB_RUNS_DIR`: a plain `cargo test` in an exercise's folder behaves as it
//! always did. With `LAB_RUNS_PASSING=1` as well, passing checks keep their
//! timeline too (the last one of each test wins): that is how the maintainer's
//! command draws the reference solution's run.
//!
//! One file per test, named after it, written to a temporary name and then
//! renamed: tests run in parallel threads, and a reader never sees half a
//! file. The JSON is written by hand (a few strings and numbers) so that
//! test-support, which every exercise compiles, depends on tokio alone.

use std::cell::Cell;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::timeline::Event;

thread_local! {
    /// Which clock the test body runs on: set by `paused` and `real_time`.
    static CLOCK: Cell<&'static str> = const { Cell::new("unknown") };
}

pub(crate) fn set_clock(clock: &'static str) {
    CLOCK.with(|cell| cell.set(clock));
}

/// What a lesson knows when it is checked.
pub(crate) struct Run<'a> {
    pub failed: bool,
    pub story: &'a str,
    pub question: Option<&'a str>,
    pub chapter: &'a str,
    pub events: &'a [Event],
    /// When the timeline was read: the end of what the diagram shows.
    pub now: Duration,
    /// When the operation under test ended, where the lesson knows it.
    pub ended_at: Option<Duration>,
}

/// Writes the run to `$LAB_RUNS_DIR/<test>.json` when the runner asked for
/// it. Errors are ignored: a diagram must never fail a learner's test.
pub(crate) fn save(run: &Run<'_>) {
    let Some(dir) = std::env::var_os("LAB_RUNS_DIR").map(PathBuf::from) else {
        return;
    };
    save_in(&dir, std::env::var_os("LAB_RUNS_PASSING").is_some(), run);
}

fn save_in(dir: &Path, keep_passing: bool, run: &Run<'_>) {
    if !run.failed && !keep_passing {
        return;
    }
    let test = test_name();
    let file = dir.join(format!("{}.json", file_stem(&test)));
    let partial = dir.join(format!(".{}.json.partial", file_stem(&test)));
    let text = to_json(&test, run);
    let _ = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&partial, text))
        .and_then(|()| std::fs::rename(&partial, &file));
}

/// libtest names each test's thread after the test (`tests::the_report_stops`);
/// the bounded runner gives its body thread the same name.
fn test_name() -> String {
    let name = std::thread::current()
        .name()
        .unwrap_or("unknown")
        .to_owned();
    name.strip_prefix("tests::").unwrap_or(&name).to_owned()
}

fn file_stem(test: &str) -> String {
    test.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '.'
            }
        })
        .collect()
}

fn to_json(test: &str, run: &Run<'_>) -> String {
    let cancel_at = run
        .events
        .iter()
        .find(|event| event.cancel)
        .map(|event| event.at);
    let mut out = String::from("{");
    let _ = write!(
        out,
        "\"test\":{},\"failed\":{},\"clock\":{},\"story\":{},\"question\":{},\"chapter\":{},\
         \"end\":{},\"cancel_at\":{},\"ended_at\":{},\"events\":[",
        string(test),
        run.failed,
        string(CLOCK.with(Cell::get)),
        string(run.story),
        run.question.map_or("null".to_owned(), string),
        string(run.chapter),
        seconds(run.now),
        cancel_at.map_or("null".to_owned(), seconds),
        run.ended_at.map_or("null".to_owned(), seconds),
    );
    for (index, event) in run.events.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "{{\"at\":{},\"lane\":{},\"what\":{},\"cancel\":{}}}",
            seconds(event.at),
            string(&event.lane),
            string(&event.what),
            event.cancel
        );
    }
    out.push_str("]}\n");
    out
}

/// A duration as JSON seconds, to the microsecond: `5.5`, `0.000001`.
fn seconds(duration: Duration) -> String {
    let micros = duration.as_micros();
    let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A JSON string (RFC 8259: quote, backslash and control characters escaped).
fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_seconds_are_valid_json() {
        assert_eq!(
            string("a \"b\"\\\n\u{1}é"),
            "\"a \\\"b\\\"\\\\\\n\\u0001é\""
        );
        assert_eq!(seconds(Duration::from_millis(5500)), "5.5");
        assert_eq!(seconds(Duration::ZERO), "0");
        assert_eq!(seconds(Duration::from_secs(35)), "35");
        assert_eq!(seconds(Duration::from_micros(1)), "0.000001");
    }

    fn run(failed: bool) -> Run<'static> {
        Run {
            failed,
            story: "a story",
            question: Some("a question"),
            chapter: "src/why.md",
            events: &[],
            now: Duration::from_secs(1),
            ended_at: Some(Duration::from_secs(1)),
        }
    }

    #[test]
    fn a_failing_check_is_kept_under_its_test_s_name_and_a_passing_one_only_when_asked() {
        let dir = crate::TempDir::new("runs");
        let in_a_test = |failed, keep_passing| {
            let dir = dir.path().to_owned();
            std::thread::Builder::new()
                .name("tests::the_report_stops".into())
                .spawn(move || save_in(&dir, keep_passing, &run(failed)))
                .unwrap()
                .join()
                .unwrap();
        };
        in_a_test(false, false);
        assert!(
            dir.file_names().is_empty(),
            "a passing check is not a learner's run"
        );
        in_a_test(true, false);
        assert_eq!(dir.file_names(), ["the_report_stops.json"]);
        let text = std::fs::read_to_string(dir.path().join("the_report_stops.json")).unwrap();
        assert!(
            text.starts_with("{\"test\":\"the_report_stops\",\"failed\":true"),
            "{text}"
        );
        in_a_test(false, true);
        let text = std::fs::read_to_string(dir.path().join("the_report_stops.json")).unwrap();
        assert!(
            text.contains("\"failed\":false"),
            "the maintainer's run keeps passing checks: {text}"
        );
        assert_eq!(
            dir.file_names(),
            ["the_report_stops.json"],
            "no partial file is left"
        );
    }

    #[test]
    fn a_run_is_one_json_object() {
        let events = [Event {
            at: Duration::from_secs(5),
            what: "caller drops the report".into(),
            lane: "caller".into(),
            cancel: true,
        }];
        let text = to_json(
            "the_report_stops",
            &Run {
                failed: true,
                story: "35 steps ran",
                question: None,
                chapter: "src/why.md",
                events: &events,
                now: Duration::from_secs(65),
                ended_at: None,
            },
        );
        assert_eq!(
            text,
            "{\"test\":\"the_report_stops\",\"failed\":true,\"clock\":\"unknown\",\"story\":\"35 steps ran\",\
             \"question\":null,\"chapter\":\"src/why.md\",\"end\":65,\"cancel_at\":5,\"ended_at\":null,\
             \"events\":[{\"at\":5,\"lane\":\"caller\",\"what\":\"caller drops the report\",\"cancel\":true}]}\n"
        );
    }
}
