//! The tests of exercise 06, shared by the starter, the solution and every
//! wrong fix. Paused clock; a "support agent" task grants extensions at set
//! instants. Deadlines, grants and conversions are chosen so that no two
//! timers ever fire at the same instant.

use std::sync::Arc;
use std::time::Duration;

use test_support::{
    Lesson, Probe, Timeline, at, drop_at_every_point, nothing_left_running, paused,
};
use tokio::sync::mpsc;

use super::*;

const CHAPTER: &str =
    "\"Deadlines that move\", section \"Moving a pinned deadline\" (src/deadlines.md)";

fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

fn describe(result: &Result<Pdf, JobError>) -> String {
    match result {
        Ok(pdf) => format!("Ok({})", pdf.name),
        Err(error) => format!("Err({error:?})"),
    }
}

/// A document that needs `needs` of work; the converter records on the
/// timeline when it writes the PDF, and holds `probe` while it has it.
fn document(timeline: &Timeline, probe: &Probe, needs: Duration) -> Document {
    let (timeline, held) = (timeline.clone(), probe.hold());
    Document {
        name: "contract".to_owned(),
        conversion_time: needs,
        on_written: Arc::new(move |pdf| {
            let _alive = &held;
            timeline.record(format!("{pdf} written"));
        }),
    }
}

/// A support agent that grants each `(when, extra)` of `grants`, counted
/// from now, on the channel it returns.
fn support_agent(timeline: &Timeline, grants: &[(Duration, Duration)]) -> mpsc::Receiver<Duration> {
    let (agent, extensions) = mpsc::channel(8);
    let agent_timeline = timeline.clone();
    let grants = grants.to_vec();
    let start = tokio::time::Instant::now();
    tokio::spawn(async move {
        for (when, extra) in grants {
            tokio::time::sleep_until(start + when).await;
            agent_timeline.record(format!("support agent grants +{}s", extra.as_secs()));
            if agent.send(extra).await.is_err() {
                break; // the conversion is over
            }
        }
    });
    extensions
}

/// Converts a document that needs `needs` of work. A support agent grants
/// each `(when, extra)` of `grants`. Gives the result, when it came, and the
/// probe that rode in the document.
async fn convert_with_grants(
    timeline: &Timeline,
    needs: Duration,
    priority: Priority,
    grants: &[(Duration, Duration)],
) -> (Result<Pdf, JobError>, Duration, Probe) {
    let probe = Probe::new("the document being converted");
    let mut extensions = support_agent(timeline, grants);
    let document = document(timeline, &probe, needs);
    timeline.record(format!(
        "{priority:?} conversion starts: it needs {}s, its budget is {}s",
        needs.as_secs(),
        priority.budget().as_secs()
    ));
    let result = run_conversion(&document, priority, &mut extensions).await;
    timeline.record(format!("conversion returned {}", describe(&result)));
    (result, timeline.now(), probe)
}

/// However the conversion ended: an hour later, no PDF was written for
/// nobody, and nothing holds the document any more.
async fn nothing_left(timeline: &Timeline, probe: &Probe) {
    nothing_left_running(timeline, CHAPTER, &["contract.pdf"], &[probe]).await;
}

/// The question to ask, from the symptom: a deadline that did not move at
/// all, or one that moved to the wrong place.
fn question(returned: Duration, original: Duration) -> &'static str {
    if returned == original {
        "The extension changed nothing. Is the timer you wait on one that can be moved? \
         A `timeout(..)` or a `sleep(..)` keeps the instant it was made with; a pinned `Sleep` has `reset`."
    } else {
        "An extension makes the deadline later than it *was*; it does not start a new countdown \
         at the moment of the click. Is the timer made again each time round the loop? \
         From which instant do you compute the new deadline?"
    }
}

#[test]
fn without_an_extension_a_normal_job_stops_at_exactly_10s() {
    paused(|| async {
        let timeline = Timeline::start();
        let (result, returned, probe) =
            convert_with_grants(&timeline, secs(20), Priority::Normal, &[]).await;
        Lesson::new(
            CHAPTER,
            format!(
                "a normal conversion gets 10 s and this one needs 20 s: it should end with \
                 Err(DeadlineExceeded) at t=10s; it returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask("With nobody granting extra time, the deadline is simply the budget. Is it still there?")
        .timeline(&timeline)
        .check(result == Err(JobError::DeadlineExceeded) && returned == NORMAL_BUDGET);
        nothing_left(&timeline, &probe).await;
    });
}

#[test]
fn a_priority_job_gets_30s() {
    paused(|| async {
        let timeline = Timeline::start();
        let (result, returned, probe) =
            convert_with_grants(&timeline, secs(35), Priority::High, &[]).await;
        Lesson::new(
            CHAPTER,
            format!(
                "a priority conversion gets 30 s and this one needs 35 s: it should end with \
                 Err(DeadlineExceeded) at t=30s; it returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask("Does the first deadline come from the job's priority?")
        .timeline(&timeline)
        .check(result == Err(JobError::DeadlineExceeded) && returned == PRIORITY_BUDGET);
        nothing_left(&timeline, &probe).await;
    });
}

#[test]
fn an_extension_at_8s_lets_a_20s_job_finish() {
    paused(|| async {
        let timeline = Timeline::start();
        let (result, returned, probe) = convert_with_grants(
            &timeline,
            secs(20),
            Priority::Normal,
            &[(secs(8), secs(30))],
        )
        .await;
        Lesson::new(
            CHAPTER,
            format!(
                "the conversion was due at t=10s; at t=8s the agent granted +30s, so it was due at t=40s, \
                 and its 20 s of work should end with Ok(contract.pdf) at t=20s. It returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask(question(returned, NORMAL_BUDGET))
        .timeline(&timeline)
        .check(
            result
                == Ok(Pdf {
                    name: "contract.pdf".to_owned(),
                })
                && returned == secs(20),
        );
        nothing_left(&timeline, &probe).await;
    });
}

#[test]
fn an_extension_moves_the_deadline_instead_of_restarting_the_clock() {
    paused(|| async {
        let timeline = Timeline::start();
        let (result, returned, probe) =
            convert_with_grants(&timeline, secs(30), Priority::Normal, &[(secs(8), secs(5))]).await;
        Lesson::new(
            CHAPTER,
            format!(
                "the conversion was due at t=10s; at t=8s the agent granted +5s, so it was due at t=15s \
                 and should end with Err(DeadlineExceeded) then. It returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask(question(returned, NORMAL_BUDGET))
        .timeline(&timeline)
        .check(result == Err(JobError::DeadlineExceeded) && returned == secs(15));
        nothing_left(&timeline, &probe).await;
    });
}

#[test]
fn two_extensions_add_up() {
    paused(|| async {
        let timeline = Timeline::start();
        let (result, returned, probe) = convert_with_grants(
            &timeline,
            secs(30),
            Priority::Normal,
            &[(secs(3), secs(4)), (secs(9), secs(6))],
        )
        .await;
        Lesson::new(
            CHAPTER,
            format!(
                "the conversion was due at t=10s; +4s at t=3s made that t=14s, and +6s at t=9s made it t=20s, \
                 when it should end with Err(DeadlineExceeded). It returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask(format!(
            "{} The second extension starts from the deadline the first one set.",
            question(returned, NORMAL_BUDGET)
        ))
        .timeline(&timeline)
        .check(result == Err(JobError::DeadlineExceeded) && returned == secs(20));
        nothing_left(&timeline, &probe).await;
    });
}

#[test]
fn a_conversion_dropped_at_any_point_writes_nothing_later() {
    paused(|| async {
        drop_at_every_point(
            || {
                let timeline = Timeline::start();
                let probe = Probe::new("the document being converted");
                let mut extensions = support_agent(&timeline, &[(secs(8), secs(5))]);
                let document = document(&timeline, &probe, secs(20));
                let conversion = async move {
                    run_conversion(&document, Priority::High, &mut extensions).await
                };
                ((timeline, probe), conversion)
            },
            async |(timeline, probe), point| {
                timeline.record_cancel(format!("the customer cancels the upload: the conversion is dropped {point}"));
                tokio::time::sleep(secs(60)).await;
                let late = timeline.after(point.at, "contract.pdf");
                Lesson::new(
                    CHAPTER,
                    format!(
                        "a priority conversion of 20 s was dropped {point}, yet the PDF was written at {}, for nobody.",
                        late.first().map_or("-".to_owned(), |written| at(written.at))
                    ),
                )
                .ask("Dropping `run_conversion` should stop the conversion with it. Is the work inside the future you race against the deadline, or on a task of its own?")
                .timeline(&timeline)
                .check(late.is_empty());
                nothing_left(&timeline, &probe).await;
            },
        )
        .await;
    });
}
