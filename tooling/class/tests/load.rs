//! 40 learners report at once, for a bounded time, to the real server on
//! 127.0.0.1: every event the server acknowledged is in the database and
//! counted on the dashboard's JSON, exactly once.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::*;

const LEARNERS: usize = 40;
const DURATION: Duration = Duration::from_secs(3);
const EVENTS_PER_REPORT: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_learners_reporting_at_once_lose_nothing_that_was_acknowledged() {
    let dir = scratch("load");
    let server = start_in_process(&dir.join("class.db")).await;
    let started = Instant::now();
    let learners = (0..LEARNERS).map(|n| {
        let (url, code) = (server.url.clone(), server.join_code.clone());
        tokio::spawn(async move {
            let token = join(&url, &code, &format!("learner {n}")).await;
            let (mut acked, mut sent, mut slowed) = (Vec::new(), 0usize, 0usize);
            let mut report = 0;
            while started.elapsed() < DURATION {
                let events: Vec<_> = (0..EVENTS_PER_REPORT)
                    .map(|e| {
                        let exercise = EXERCISES[(report + e) % EXERCISES.len()];
                        event(&format!("{n}-{report}-{e}"), exercise, e % 2 == 0)
                    })
                    .collect();
                report += 1;
                sent += events.len();
                let body = serde_json::json!({"token": token, "events": events});
                let (status, answer) = post(&url, "/api/report", &body).await;
                match status {
                    200 => acked.extend(
                        answer["acked"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|id| (n, id.as_str().unwrap().to_owned())),
                    ),
                    429 => slowed += 1,
                    other => panic!("learner {n}: unexpected {other}: {answer}"),
                }
                // A brisk learner: 5 reports a second (a real one checks
                // every few seconds). The burst allowance absorbs jitter.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            (acked, sent, slowed)
        })
    });
    let results = bounded(
        Duration::from_secs(30),
        "the 40 learners",
        futures(learners.collect()),
    )
    .await;
    let took = started.elapsed();

    let mut acked = HashSet::new();
    let (mut sent, mut slowed) = (0, 0);
    for (ids, n, s) in results {
        sent += n;
        slowed += s;
        acked.extend(ids);
    }
    let view = class(&server.url, &server.key).await;
    assert_eq!(view["learners"].as_array().unwrap().len(), LEARNERS);
    let on_the_page = view["events"].as_u64().unwrap() as usize;

    server.stop_gracefully().await;
    let store = lab_class::store::Store::open(&dir.join("class.db"))
        .await
        .unwrap();
    let learners: Vec<_> = store.learners().await.unwrap();
    let names: std::collections::HashMap<i64, String> =
        learners.into_iter().map(|l| (l.id, l.name)).collect();
    let stored: HashSet<(usize, String)> = store
        .event_ids()
        .await
        .unwrap()
        .into_iter()
        .map(|(learner, id)| {
            (
                names[&learner]
                    .strip_prefix("learner ")
                    .unwrap()
                    .parse()
                    .unwrap(),
                id,
            )
        })
        .collect();
    store.close().await;

    let lost = acked.difference(&stored).count();
    assert!(
        acked.len() > LEARNERS * 10,
        "the load test sent too little: {}",
        acked.len()
    );
    assert_eq!(lost, 0, "acknowledged events missing from the database");
    assert_eq!(
        stored.len(),
        acked.len(),
        "nothing stored that was not acknowledged"
    );
    assert_eq!(
        on_the_page,
        acked.len(),
        "the dashboard counts every acknowledged event once"
    );
    assert_eq!(
        slowed, 0,
        "a learner reporting 5 times a second is within the rate limit"
    );

    let figures = format!(
        "class load test: {LEARNERS} learners, {} events sent, {} acknowledged, {} stored, {:.1} s, events lost: {lost}\n",
        sent,
        acked.len(),
        stored.len(),
        took.as_secs_f64()
    );
    print!("{figures}");
    std::fs::write(artifacts_dir().join("class-load.txt"), &figures).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

/// Awaits every task, in order.
async fn futures<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}
