//! The server is killed (SIGKILL, no graceful shutdown) while learners
//! report, and restarted on the same database: nothing it acknowledged is
//! lost, the join code and key are the same, and a learner's `cargo lab`
//! whose server was down kept working and delivers its queue afterwards.

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use lab::class_report::{self, CheckResult, Sent};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_server_loses_nothing_it_acknowledged() {
    let dir = scratch("kill");
    let db = dir.join("class.db");
    let server = Binary::start(&db, 0);
    let (url, port) = (server.url(), server.port);
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let mut reporters = Vec::new();
    for n in 0..10 {
        let token = join(&url, &server.join_code, &format!("learner {n}")).await;
        let (url, acked) = (url.clone(), acked.clone());
        // Each reports until the server is gone; a request cut by the kill
        // was never acknowledged, so it is not counted.
        reporters.push(tokio::spawn(async move {
            for report in 0.. {
                let body = serde_json::json!({"token": token, "events": [event(&format!("{n}-{report}"), "why", false)]});
                let Ok(response) = client().post(format!("{url}/api/report")).json(&body).send().await else {
                    return;
                };
                if response.status() == 200 {
                    let answer: serde_json::Value = response.json().await.unwrap_or_default();
                    for id in answer["acked"].as_array().into_iter().flatten() {
                        acked.lock().unwrap().insert(id.as_str().unwrap().to_owned());
                    }
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (code, key) = (server.join_code.clone(), server.key.clone());
    server.kill();
    for reporter in reporters {
        bounded(
            Duration::from_secs(10),
            "a reporter after the kill",
            reporter,
        )
        .await
        .unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 50,
        "too few acknowledged before the kill: {}",
        acked.len()
    );

    let again = Binary::start(&db, port);
    assert_eq!(
        (again.join_code.as_str(), again.key.as_str()),
        (code.as_str(), key.as_str()),
        "a restart keeps the code and key"
    );
    let view = class(&again.url(), &again.key).await;
    assert_eq!(
        view["events"].as_u64().unwrap() as usize,
        acked.len(),
        "the page after the restart"
    );
    again.kill();
    let store = lab_class::store::Store::open(&db).await.unwrap();
    let stored: HashSet<String> = store
        .event_ids()
        .await
        .unwrap()
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    store.close().await;
    let lost: Vec<_> = acked.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "acknowledged, then lost in the kill: {lost:?}"
    );
    println!(
        "kill test: {} events acknowledged before SIGKILL, all {} found after the restart",
        acked.len(),
        stored.len()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

fn check(root: &Path, solved: bool) -> Duration {
    let failing = if solved {
        vec![]
    } else {
        vec!["the_report_stops_when_its_caller_drops_it".to_owned()]
    };
    let started = Instant::now();
    class_report::report_check(
        root,
        &CheckResult {
            exercise: "why",
            solved,
            failing: &failing,
            hints: 2,
            first_checked: 0,
        },
    );
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_whose_server_is_down_keeps_working_and_its_queue_arrives_after_the_restart() {
    let dir = scratch("down");
    let (db, learner) = (dir.join("class.db"), dir.join("checkout"));
    let server = Binary::start(&db, 0);
    let (url, port, code, key) = (
        server.url(),
        server.port,
        server.join_code.clone(),
        server.key.clone(),
    );
    // The runner's client blocks (on a thread of its own): off the runtime.
    let root = learner.clone();
    tokio::task::spawn_blocking(move || {
        class_report::join(&root, &url, &code, "Ada").unwrap();
        check(&root, false);
        assert!(
            class_report::read_outbox(&root).unwrap().is_empty(),
            "acknowledged, so no longer queued"
        );
    })
    .await
    .unwrap();
    server.kill();

    let root = learner.clone();
    tokio::task::spawn_blocking(move || {
        for solved in [false, true] {
            let took = check(&root, solved);
            assert!(
                took < Duration::from_secs(2),
                "a check waited {took:?} for a server that is down"
            );
        }
        assert_eq!(
            class_report::read_outbox(&root).unwrap().len(),
            2,
            "both kept while the server is down"
        );
        assert!(
            root.join(".lab/class/unreachable").exists(),
            "the learner was told, once"
        );
    })
    .await
    .unwrap();

    let again = Binary::start(&db, port);
    let root = learner.clone();
    let sent = tokio::task::spawn_blocking(move || class_report::send_outbox(&root).unwrap())
        .await
        .unwrap();
    assert_eq!(sent, Sent::AllAcknowledged);
    assert!(class_report::read_outbox(&learner).unwrap().is_empty());
    assert!(!learner.join(".lab/class/unreachable").exists());
    let view = class(&again.url(), &key).await;
    assert_eq!(
        view["events"], 3,
        "the check before the kill and the two queued: {view}"
    );
    let ada = &view["learners"][0];
    assert_eq!(ada["name"], "Ada");
    assert_eq!(
        ada["exercises"]["why"]["solved"], true,
        "the latest queued check is the latest on the page"
    );
    assert_eq!(ada["exercises"]["why"]["hints"], 2);
    drop(again);
    std::fs::remove_dir_all(dir).unwrap();
}
