//! Bad input gets a clear refusal and changes nothing: each refused request
//! is followed by a look at the database's counts, which must not move.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

async fn counts(url: &str, key: &str) -> (usize, u64) {
    let view = class(url, key).await;
    (
        view["learners"].as_array().unwrap().len(),
        view["events"].as_u64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_is_refused_clearly_and_changes_nothing() {
    bounded(Duration::from_secs(20), "the refusals test", async {
        let dir = scratch("refusals");
        let server = start_in_process(&dir.join("class.db")).await;
        let (url, key) = (server.url.as_str(), server.key.as_str());
        let token = join(url, &server.join_code, "Ada").await;
        let ok = post(url, "/api/report", &json!({"token": token, "events": [event("e1", "why", false)]})).await;
        assert_eq!(ok.0, 200, "{}", ok.1);
        let before = counts(url, key).await;
        assert_eq!(before, (1, 1));

        let refusals = [
            ("/api/join", json!({"code": "WRONG1", "name": "Bo"}), 403, "wrong join code"),
            ("/api/join", json!({"code": server.join_code, "name": "x".repeat(41)}), 400, "longer than 40"),
            ("/api/join", json!({"code": server.join_code, "name": "Bo\nCy"}), 400, "control characters"),
            ("/api/join", json!({"code": server.join_code, "name": "  "}), 400, "empty"),
            ("/api/report", json!({"token": "nobody", "events": [event("e2", "why", true)]}), 401, "unknown learner"),
            ("/api/report", json!({"token": token, "events": [event("e3", "no_such_exercise", true)]}), 400, "not an exercise"),
            // One bad event refuses the whole batch: the good one is not stored either.
            ("/api/report", json!({"token": token, "events": [event("e4", "why", true), event("e5", "nope", true)]}), 400, "not an exercise"),
            ("/api/report", json!({"token": token, "events": (0..101).map(|i| event(&format!("m{i}"), "why", true)).collect::<Vec<_>>()}), 400, "more than 100 events"),
            ("/api/report", json!({"token": token, "events": [event(&"i".repeat(65), "why", true)]}), 400, "event id"),
            ("/api/report", json!({"token": token, "events": [{"id": "e6", "exercise": "why", "solved": true, "failing": [], "hints": 0, "seconds": 1, "at": 0, "code": "fn main() {}"}]}), 400, "unknown field"),
        ];
        for (path, body, status, says) in refusals {
            let (got, answer) = post(url, path, &body).await;
            assert_eq!(got, status, "{path} {body}: {answer}");
            assert!(answer["error"].as_str().unwrap().contains(says), "{path}: `{answer}` should say `{says}`");
            assert_eq!(counts(url, key).await, before, "{path} {body} changed the database");
        }

        let raw = |body: Vec<u8>| async move {
            let response = client().post(format!("{url}/api/report")).header("content-type", "application/json").body(body).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        };
        let (status, text) = raw(b"{\"token\": ".to_vec()).await;
        assert_eq!(status, 400);
        assert!(text.contains("malformed request"), "{text}");
        let (status, _) = raw(vec![b' '; 70 * 1024]).await;
        assert_eq!(status, 413, "a body over 64 KiB");
        assert_eq!(counts(url, key).await, before);

        // The key: missing is 401, wrong is 403, for the JSON and the page.
        for path in ["/api/class", "/"] {
            for (query, status) in [("", 401), ("?key=wrong", 403)] {
                let response = client().get(format!("{url}{path}{query}")).send().await.unwrap();
                assert_eq!(response.status().as_u16(), status, "{path}{query}");
            }
        }
        let page = client().get(format!("{url}/?key={key}")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let policy = page.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(policy.contains("connect-src 'self'") && policy.contains("default-src 'none'"), "{policy}");
        assert!(!page.text().await.unwrap().contains("innerHTML"), "the page writes data as text only");

        server.stop_gracefully().await;
        std::fs::remove_dir_all(dir).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_re_sent_event_is_acknowledged_again_and_stored_once_and_markup_stays_text() {
    bounded(Duration::from_secs(20), "the duplicates test", async {
        let dir = scratch("duplicates");
        let server = start_in_process(&dir.join("class.db")).await;
        let name = "<img src=x onerror=alert(1)>";
        let token = join(&server.url, &server.join_code, name).await;
        let body = json!({"token": token, "events": [event("same", "why", false)]});
        for _ in 0..2 {
            let (status, answer) = post(&server.url, "/api/report", &body).await;
            assert_eq!((status, answer["acked"].clone()), (200, json!(["same"])));
        }
        let view = class(&server.url, &server.key).await;
        assert_eq!(view["events"], 1, "stored once");
        assert_eq!(
            view["learners"][0]["name"], name,
            "the name is kept exactly, shown as text"
        );
        assert_eq!(
            view["common_failures"][0]["test"],
            "the_report_stops_when_its_caller_drops_it"
        );
        assert_eq!(view["stuck"][0]["name"], name);
        server.stop_gracefully().await;
        std::fs::remove_dir_all(dir).unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_learner_is_rate_limited_and_only_what_was_accepted_is_stored() {
    bounded(Duration::from_secs(20), "the flood test", async {
        let dir = scratch("flood");
        let server = start_in_process(&dir.join("class.db")).await;
        let token = join(&server.url, &server.join_code, "Flood").await;
        let other = join(&server.url, &server.join_code, "Calm").await;
        let (mut accepted, mut limited) = (0, 0);
        for i in 0..60 {
            let body = json!({"token": token, "events": [event(&format!("f{i}"), "why", false)]});
            match post(&server.url, "/api/report", &body).await.0 {
                200 => accepted += 1,
                429 => limited += 1,
                other => panic!("unexpected {other}"),
            }
        }
        assert!(
            limited > 0 && accepted >= 20,
            "accepted {accepted}, limited {limited}"
        );
        let calm = post(
            &server.url,
            "/api/report",
            &json!({"token": other, "events": [event("c", "why", true)]}),
        )
        .await;
        assert_eq!(calm.0, 200, "another learner is not slowed by the flood");
        let view = class(&server.url, &server.key).await;
        assert_eq!(
            view["events"],
            accepted + 1,
            "only accepted reports are stored"
        );
        server.stop_gracefully().await;
        std::fs::remove_dir_all(dir).unwrap();
    })
    .await;
}
