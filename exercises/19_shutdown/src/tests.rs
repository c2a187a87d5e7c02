//! The tests of exercise 19, shared by the starter, the solution and every
//! wrong fix. Each test starts the real service on 127.0.0.1 (a free port)
//! under tokio's paused clock: syncs at t=0s, 60s, 120s, ..., each running
//! five seconds, and every instant below is exact. The test plays the
//! orchestrator: it cancels the shutdown token at a chosen instant, then
//! watches what the service does and when `run` returns.

use std::sync::Arc;
use std::time::Duration;

use test_support::{Lesson, Probe, Timeline, at, nothing_left_running, paused};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until, timeout_at};

use super::*;

const LISTEN: &str =
    "\"Graceful shutdown\", section \"A worker that listens while it waits\" (src/shutdown.md)";
const FINISH: &str = "\"Graceful shutdown\", section \"Finish what has started\" (src/shutdown.md)";
const DEADLINE: &str =
    "\"Graceful shutdown\", section \"A deadline for the drain\" (src/shutdown.md)";
const LIFECYCLE: &str = "\"Graceful shutdown\", section \"Started and stopping\" (src/shutdown.md)";

/// What counts as the service's work on the timeline.
const WORK: &[&str] = &["sync", "GET"];

/// A running service, seen from outside.
struct Service {
    timeline: Timeline,
    /// Rides in the events callback that `run` gets: whatever still holds
    /// it (the worker, the server, a request) is still alive.
    probe: Probe,
    origin: Instant,
    shutdown: CancellationToken,
    addr: SocketAddr,
    events: mpsc::UnboundedReceiver<Event>,
    run: JoinHandle<Result<(), ServiceError>>,
}

/// What `run` did, seen from the test.
enum Outcome {
    Returned(Result<(), ServiceError>, Duration),
    StillRunning,
}

impl Service {
    /// Starts `run` and waits until it reports `Started`.
    async fn start() -> Service {
        let timeline = Timeline::start();
        let origin = Instant::now();
        let (sender, mut events) = mpsc::unbounded_channel();
        let record = timeline.clone();
        let probe = Probe::new("the events callback that run was given");
        let held = probe.hold();
        let report: Events = Arc::new(move |event: Event| {
            let _alive = &held;
            record.record(event.to_string());
            let _ = sender.send(event);
        });
        let shutdown = CancellationToken::new();
        let token = shutdown.clone();
        let returned = timeline.clone();
        let run = tokio::spawn(async move {
            let result = run(SocketAddr::from(([127, 0, 0, 1], 0)), token, report).await;
            returned.record(format!("run returned {result:?}"));
            result
        });
        let addr = loop {
            match events.recv().await {
                Some(Event::Started(addr)) => break addr,
                Some(_) => {}
                None => panic!("run ended before it reported Event::Started"),
            }
        };
        Service {
            timeline,
            probe,
            origin,
            shutdown,
            addr,
            events,
            run,
        }
    }

    /// Waits (at most ten virtual minutes) for an event.
    async fn wait_for(&mut self, wanted: Event) {
        let limit = Instant::now() + Duration::from_secs(600);
        loop {
            match timeout_at(limit, self.events.recv()).await {
                Ok(Some(event)) if event == wanted => return,
                Ok(Some(_)) => {}
                _ => panic!(
                    "the service never reported \"{wanted}\". What happened:\n{}",
                    self.timeline.render()
                ),
            }
        }
    }

    /// Plays SIGTERM at `when` (time since the start).
    async fn stop_at(&self, when: Duration) {
        sleep_until(self.origin + when).await;
        self.timeline
            .record_cancel("SIGTERM: the test cancels the shutdown token");
        self.shutdown.cancel();
    }

    /// Waits for `run` to return, at most until `limit` (time since the start).
    async fn outcome_by(&mut self, limit: Duration) -> Outcome {
        match timeout_at(self.origin + limit, &mut self.run).await {
            Ok(result) => Outcome::Returned(
                result.expect("run panicked"),
                self.timeline.last("run returned").unwrap_or_default(),
            ),
            Err(_) => {
                self.timeline.record(format!(
                    "the test stops waiting: run has not returned at {}",
                    at(limit)
                ));
                Outcome::StillRunning
            }
        }
    }

    /// After `run` returned: an hour passes, and nothing of the service may
    /// run or hold on.
    async fn nothing_left_running(&self) {
        nothing_left_running(&self.timeline, FINISH, WORK, &[&self.probe]).await;
    }

    /// When the first event starting with `prefix` happened.
    fn first(&self, prefix: &str) -> Option<Duration> {
        self.timeline
            .events()
            .into_iter()
            .find(|event| event.what.starts_with(prefix))
            .map(|event| event.at)
    }

    /// The syncs that started strictly after `instant`.
    fn syncs_started_after(&self, instant: Duration) -> Vec<(String, Duration)> {
        self.timeline
            .after(instant, "sync")
            .into_iter()
            .filter(|event| event.what.ends_with("started"))
            .map(|event| (event.what, event.at))
            .collect()
    }

    /// Sends `GET path` from a task of its own; its answer is recorded.
    fn request(&self, path: &'static str) -> JoinHandle<Result<String, String>> {
        let url = format!("http://{}{path}", self.addr);
        let timeline = self.timeline.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let answer = match client.get(url).send().await {
                Ok(response) if response.status().is_success() => {
                    response.text().await.map_err(|e| e.to_string())
                }
                Ok(response) => Err(format!("status {}", response.status())),
                Err(error) => Err(error.to_string()),
            };
            timeline.record(format!("the client got {answer:?}"));
            answer
        })
    }
}

fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Returned(result, when) => format!("run returned {result:?} at {}", at(*when)),
        Outcome::StillRunning => "run had not returned".to_owned(),
    }
}

#[test]
fn a_stop_between_two_syncs_ends_the_service_within_the_budget() {
    paused(|| async {
        let mut service = Service::start().await;
        let stop = secs(20.5);
        service.stop_at(stop).await;
        let outcome = service.outcome_by(stop + DRAIN_BUDGET + secs(60.0)).await;
        // Give anything still running an hour to show itself.
        sleep(Duration::from_secs(3600)).await;

        let late = service.syncs_started_after(stop);
        if let Some((what, when)) = late.first() {
            Lesson::new(
                LISTEN,
                format!(
                    "the stop came at t=20.5s, between sync 1 (t=0s) and sync 2 (due at t=60s), \
                     but \"{what}\" at {}: the worker slept through the stop, then started new work.",
                    at(*when)
                ),
            )
            .ask(
                "While the worker waits for its next turn, is it listening to the token? Looking \
                 at the token at the top of the loop is not listening: the wait has to end when \
                 the token is cancelled.",
            )
            .timeline(&service.timeline)
            .fail();
        }
        let in_time =
            matches!(outcome, Outcome::Returned(Ok(()), when) if when <= stop + DRAIN_BUDGET);
        Lesson::new(
            LISTEN,
            format!(
                "the stop came at t=20.5s with nothing in progress, so the service had until \
                 t=50.5s to end, but {}.",
                describe(&outcome)
            ),
        )
        .ask("Which task was still running when the stop came, and what was it waiting for?")
        .timeline(&service.timeline)
        .check(in_time);
        service.nothing_left_running().await;
    });
}

#[test]
fn a_sync_that_has_started_finishes_before_the_service_stops() {
    paused(|| async {
        let mut service = Service::start().await;
        service.wait_for(Event::SyncStarted(2)).await;
        let stop = secs(62.5);
        service.stop_at(stop).await;
        let outcome = service.outcome_by(stop + DRAIN_BUDGET + secs(60.0)).await;
        sleep(Duration::from_secs(3600)).await;

        let finished = service.first("sync 2 finished");
        Lesson::new(
            FINISH,
            "the stop came at t=62.5s, in the middle of sync 2 (t=60s to t=65s), and sync 2 never \
             finished: the partner now holds half of a sync.",
        )
        .ask(
            "Is the whole sync raced against the token? Only the wait for the next turn should \
             be: a sync that has started is work in progress, like a request being answered.",
        )
        .timeline(&service.timeline)
        .check(finished.is_some());

        let finished = finished.unwrap_or_default();
        let returned = match &outcome {
            Outcome::Returned(_, when) => *when,
            Outcome::StillRunning => Duration::MAX,
        };
        Lesson::new(
            FINISH,
            format!(
                "sync 2 finished at {}, but {}: in production main returns then, and the process \
                 ends with the sync half done.",
                at(finished),
                describe(&outcome)
            ),
        )
        .ask("Does run wait for the worker to end before it returns?")
        .timeline(&service.timeline)
        .check(returned >= finished);

        let in_time =
            matches!(outcome, Outcome::Returned(Ok(()), when) if when <= stop + DRAIN_BUDGET);
        Lesson::new(
            FINISH,
            format!(
                "sync 2 needed until t=65s, well within the budget (t=92.5s), but {}",
                describe(&outcome)
            ),
        )
        .timeline(&service.timeline)
        .check(in_time);

        let late = service.syncs_started_after(stop);
        Lesson::new(
            LISTEN,
            format!("the stop came at t=62.5s, but {late:?} started after it"),
        )
        .timeline(&service.timeline)
        .check(late.is_empty());
        service.nothing_left_running().await;
    });
}

#[test]
fn a_request_in_flight_gets_its_answer_before_the_service_stops() {
    paused(|| async {
        let mut service = Service::start().await;
        sleep_until(service.origin + secs(10.25)).await;
        let client = service.request("/report");
        service.wait_for(Event::RequestStarted("/report")).await;
        let stop = secs(12.5);
        service.stop_at(stop).await;
        // A second later, a new client tries its luck.
        sleep_until(service.origin + secs(13.5)).await;
        let late_client = service.request("/report");
        let outcome = service.outcome_by(stop + DRAIN_BUDGET + secs(60.0)).await;
        let answer = client.await.expect("the client task panicked");
        let late_answer = late_client.await.expect("the client task panicked");

        Lesson::new(
            FINISH,
            format!(
                "GET /report started at t=10.25s and the stop came at t=12.5s; the report needs \
                 until t=18.25s, within the budget, but the client got {answer:?}"
            ),
        )
        .ask("A request in flight when the stop comes should get its answer. Who ended it early?")
        .timeline(&service.timeline)
        .check(answer.as_deref() == Ok("the report\n"));

        let answered = service
            .first("GET /report answered")
            .unwrap_or(Duration::MAX);
        let returned = match &outcome {
            Outcome::Returned(_, when) => *when,
            Outcome::StillRunning => Duration::MAX,
        };
        Lesson::new(
            FINISH,
            format!(
                "the report was answered at {}, but {}: in production the process ends when run \
                 returns, and the client gets a broken connection.",
                at(answered),
                describe(&outcome)
            ),
        )
        .ask("Does run wait for the server to finish its open requests?")
        .timeline(&service.timeline)
        .check(answered != Duration::MAX && returned >= answered);

        Lesson::new(
            FINISH,
            format!(
                "the report was answered at t=18.25s, within the budget, but {}",
                describe(&outcome)
            ),
        )
        .ask("Which other task was still running when the stop came, and what was it waiting for?")
        .timeline(&service.timeline)
        .check(matches!(outcome, Outcome::Returned(Ok(()), _)));

        Lesson::new(
            FINISH,
            format!(
                "a new client came at t=13.5s, a second after the stop, and got {late_answer:?}: \
                 a stopping service takes no new work."
            ),
        )
        .ask("Does the server still accept connections after the stop signal?")
        .timeline(&service.timeline)
        .check(late_answer.is_err());
        service.nothing_left_running().await;
    });
}

#[test]
fn a_request_that_outlasts_the_budget_cannot_hold_the_service_up() {
    paused(|| async {
        let mut service = Service::start().await;
        sleep_until(service.origin + secs(10.25)).await;
        let _client = service.request("/export");
        service.wait_for(Event::RequestStarted("/export")).await;
        let stop = secs(12.5);
        service.stop_at(stop).await;
        let outcome = service.outcome_by(stop + DRAIN_BUDGET + secs(10.0)).await;

        let given_up = matches!(
            outcome,
            Outcome::Returned(Err(ServiceError::DrainTimedOut), when) if when <= stop + DRAIN_BUDGET
        );
        Lesson::new(
            DEADLINE,
            format!(
                "GET /export needs ten minutes; the stop came at t=12.5s, so by t=42.5s the \
                 service had to give up on it and return Err(DrainTimedOut), but {}.",
                describe(&outcome)
            ),
        )
        .ask(
            "with_graceful_shutdown waits for every open request, however long it takes. What \
             puts a limit on that wait?",
        )
        .timeline(&service.timeline)
        .check(given_up);
    });
}

#[test]
fn the_service_reports_started_stopping_and_stopped_in_order() {
    paused(|| async {
        let mut service = Service::start().await;
        let stop = secs(30.5);
        service.stop_at(stop).await;
        let outcome = service.outcome_by(stop + DRAIN_BUDGET + secs(60.0)).await;
        sleep(Duration::from_secs(3600)).await;

        let events = service.timeline.events();
        let first = events
            .first()
            .map(|event| event.what.clone())
            .unwrap_or_default();
        Lesson::new(
            LIFECYCLE,
            format!("the first event should be \"started\", but it was \"{first}\""),
        )
        .timeline(&service.timeline)
        .check(first.starts_with("started"));

        let stopping = service.first("stopping");
        Lesson::new(
            LIFECYCLE,
            format!(
                "the stop came at t=30.5s, so \"stopping\" belongs at t=30.5s, but it came {}",
                stopping.map_or("never".to_owned(), |when| format!("at {}", at(when)))
            ),
        )
        .ask(
            "\"Stopping\" is what the service says the moment it hears the stop, before it drains.",
        )
        .timeline(&service.timeline)
        .check(stopping == Some(stop));

        let service_events: Vec<&str> = events
            .iter()
            .map(|event| event.what.as_str())
            .filter(|what| !what.starts_with("run returned") && !what.starts_with("SIGTERM"))
            .collect();
        Lesson::new(
            LIFECYCLE,
            format!(
                "\"stopped\" should be the service's last word, after every sync and request \
                 ended ({}), but the events ended with {:?}",
                describe(&outcome),
                service_events.last()
            ),
        )
        .ask("Is \"stopped\" reported only once every task has ended?")
        .timeline(&service.timeline)
        .check(service_events.last() == Some(&"stopped"));
    });
}

#[test]
fn the_syncs_keep_to_the_minute() {
    paused(|| async {
        let mut service = Service::start().await;
        let stop = secs(150.5);
        service.stop_at(stop).await;
        let _ = service.outcome_by(stop + DRAIN_BUDGET + secs(60.0)).await;

        let before_the_stop = |suffix: &str| -> Vec<Duration> {
            service
                .timeline
                .events()
                .into_iter()
                .filter(|event| {
                    event.what.starts_with("sync")
                        && event.what.ends_with(suffix)
                        && event.at < stop
                })
                .map(|event| event.at)
                .collect()
        };
        let (started, finished) = (before_the_stop(" started"), before_the_stop(" finished"));
        let due: Vec<Duration> = (0..3).map(|n| SYNC_EVERY * n).collect();
        let done: Vec<Duration> = due
            .iter()
            .map(|start| *start + SYNC_STEP * SYNC_STEPS)
            .collect();
        let shown = |times: &[Duration]| {
            let mut text: Vec<String> = times.iter().take(6).map(|time| at(*time)).collect();
            if times.len() > 6 {
                text.push(format!("... ({} in all)", times.len()));
            }
            text.join(", ")
        };
        Lesson::new(
            LISTEN,
            format!(
                "a sync is due once a minute from the start, so before the stop at t=150.5s the \
                 syncs should start at {} and finish at {}; they started at {} and finished at \
                 {}.",
                shown(&due),
                shown(&done),
                shown(&started),
                shown(&finished)
            ),
        )
        .ask(
            "When does the worker's timer start counting, and how many timers does the worker \
             make? A schedule of once a minute needs one clock, started once.",
        )
        .timeline(&service.timeline)
        .check(started == due && finished == done);
    });
}

#[test]
fn a_stop_at_any_moment_finishes_what_started_and_nothing_more() {
    paused(|| async {
        // Between syncs, in the first and the last step of a sync, right
        // after one, and just before the next is due.
        let stops = [0.5, 2.5, 4.5, 5.5, 30.5, 59.5, 60.5, 64.5, 65.5, 119.5];
        for stop in stops.map(secs) {
            let mut service = Service::start().await;
            service.stop_at(stop).await;
            let outcome = service.outcome_by(stop + DRAIN_BUDGET + secs(60.0)).await;

            let events = service.timeline.events();
            let begun: Vec<&str> = events
                .iter()
                .filter(|event| event.what.ends_with(" started") && event.what.starts_with("sync"))
                .map(|event| event.what.as_str())
                .collect();
            let unfinished: Vec<&str> = begun
                .iter()
                .copied()
                .filter(|what| {
                    let done = what.replace("started", "finished");
                    !events.iter().any(|event| event.what == done)
                })
                .collect();
            let late = service.syncs_started_after(stop);
            let in_time =
                matches!(outcome, Outcome::Returned(Ok(()), when) if when <= stop + DRAIN_BUDGET);
            Lesson::new(
                FINISH,
                format!(
                    "the stop came at {}: every sync that had started should finish, none start \
                     after it, and run return Ok within the budget. Unfinished: {unfinished:?}; \
                     started after the stop: {late:?}; {}.",
                    at(stop),
                    describe(&outcome)
                ),
            )
            .ask(
                "Only the wait for the next turn may be raced against the token. Where was the \
                 worker at that instant, and what did the stop do to it?",
            )
            .timeline(&service.timeline)
            .check(unfinished.is_empty() && late.is_empty() && in_time);
            service.nothing_left_running().await;
        }
    });
}
