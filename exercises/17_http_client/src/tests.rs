//! The tests of exercise 17, shared by the starter, the solution and every
//! wrong fix. A real axum server on a loopback port plays the supplier, and
//! `fetch` calls it with a real reqwest client, under tokio's paused clock:
//! reqwest's time limits run on tokio's timers, so the 10 s limit takes no
//! real time and is exact.
//!
//! The paused clock jumps to the next timer whenever the runtime has nothing
//! to do, and network events come from the kernel, which on a busy machine
//! can take a moment. So while the network is busy (a request on its way, a
//! closed connection reaching the server) the tests hold the clock still,
//! and wait for the server to say "started" or "dropped" through a channel.

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use futures_util::{StreamExt, stream};
use test_support::http::{TestServer, hold_the_clock};
use test_support::{Lesson, Timeline, at, nothing_left_running, paused};
use tokio::sync::{mpsc, oneshot};

use super::*;

const CHAPTER: &str =
    "\"HTTP client calls\", section \"Three endings, three variants\" (src/http-client.md)";
const BODY: &str =
    "\"HTTP client calls\", section \"Dropping the call cancels it\" (src/http-client.md)";
const NOT_YOURS: &str =
    "\"One token type\", section \"A read-only view: child_token\" (src/token-basics.md)";

/// What counts as the supplier's work on the timeline.
const WORK: &[&str] = &["server"];

/// What the supplier's server tells the test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Server {
    Started,
    /// The first part of the body is out, and the client has read most of
    /// it: fetch is reading the body now. The rest never comes.
    BodyStalled,
    Dropped,
}

#[derive(Clone)]
struct Supplier {
    timeline: Timeline,
    events: mpsc::UnboundedSender<Server>,
}

/// Lives as long as the server's handler: its drop is the server seeing the
/// request go.
struct HandlerGuard(Supplier);

impl Drop for HandlerGuard {
    fn drop(&mut self) {
        self.0
            .timeline
            .record("server: the handler is dropped (the request is gone)");
        let _ = self.0.events.send(Server::Dropped);
    }
}

/// The first part of the stalled price list: far more than the socket
/// buffers hold, so the server can only send all of it to a client that
/// reads the body.
const FIRST_PART: usize = 9 << 20;

/// `GET /prices/stalled`: answers 200 at once, sends the first part of the
/// body, then nothing more, for ever.
async fn stalls_in_the_body(State(supplier): State<Supplier>) -> Body {
    supplier
        .timeline
        .record("server: handler started, answers 200 and starts the price list");
    let _ = supplier.events.send(Server::Started);
    let first = Bytes::from("apples 3\n".repeat(FIRST_PART / 9));
    // Lives as long as the body: hyper drops it when the connection goes.
    let guard = HandlerGuard(supplier.clone());
    let rest = async move {
        let _guard = guard;
        supplier
            .timeline
            .record("server: the client has most of the list, the rest is slow today");
        let _ = supplier.events.send(Server::BodyStalled);
        std::future::pending::<Result<Bytes, Infallible>>().await
    };
    Body::from_stream(stream::once(async { Ok::<_, Infallible>(first) }).chain(stream::once(rest)))
}

/// `GET /prices/slow`: starts, then never answers.
async fn never_answers(State(supplier): State<Supplier>) -> &'static str {
    let _guard = HandlerGuard(supplier.clone());
    supplier
        .timeline
        .record("server: handler started, the price list is slow today");
    let _ = supplier.events.send(Server::Started);
    std::future::pending::<()>().await;
    "never"
}

async fn supplier_server(timeline: &Timeline) -> (TestServer, mpsc::UnboundedReceiver<Server>) {
    let (events, receiver) = mpsc::unbounded_channel();
    let supplier = Supplier {
        timeline: timeline.clone(),
        events,
    };
    let router = Router::new()
        .route("/prices", get(|| async { "apples 3\npears 4\n" }))
        .route("/prices/slow", get(never_answers))
        .route("/prices/stalled", get(stalls_in_the_body))
        .route(
            "/prices/broken",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "database is down") }),
        )
        .with_state(supplier);
    (TestServer::start(router).await, receiver)
}

/// Waits (at most a virtual minute) for the server's next event of this kind.
async fn next(events: &mut mpsc::UnboundedReceiver<Server>, wanted: Server) -> bool {
    let wait = async {
        while let Some(event) = events.recv().await {
            if event == wanted {
                return true;
            }
        }
        false
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .unwrap_or(false)
}

fn describe(result: &Result<String, FetchError>) -> String {
    match result {
        Ok(body) if body.len() > 100 => format!("Ok({} bytes)", body.len()),
        Ok(body) => format!("Ok({body:?})"),
        Err(FetchError::Http(error)) => {
            // reqwest's message names the URL; the cause is in its sources.
            let mut text = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            format!("Err(Http({text}))")
        }
        Err(other) => format!("Err({other:?})"),
    }
}

#[test]
fn a_slow_supplier_times_out_at_exactly_the_limit() {
    paused(|| async {
        let timeline = Timeline::start();
        let (server, mut events) = supplier_server(&timeline).await;
        let client = Client::new();
        let token = CancellationToken::new();

        timeline.record("fetch starts");
        // The clock stands still until the request has reached the server.
        let hold = hold_the_clock();
        let url = server.url("/prices/slow");
        let (result, ()) = tokio::join!(fetch(&client, &url, &token), async {
            next(&mut events, Server::Started).await;
            drop(hold);
        });
        let returned = timeline.now();
        timeline.record(format!("fetch returned {}", describe(&result)));
        Lesson::new(
            CHAPTER,
            format!(
                "the supplier never answered; fetch should return Err(Timeout) at t=10s, \
                 but returned {} at {}",
                describe(&result),
                at(returned)
            ),
        )
        .ask(
            "reqwest reports its time limit as an ordinary `reqwest::Error`. Which method of \
             that error tells a timeout from other failures?",
        )
        .timeline(&timeline)
        .check(matches!(result, Err(FetchError::Timeout)) && returned == FETCH_LIMIT);

        // The clock stands still until the server has seen the request go.
        let hold = hold_the_clock();
        let dropped = next(&mut events, Server::Dropped).await;
        drop(hold);
        Lesson::new(
            CHAPTER,
            format!(
                "fetch gave up at {}, but the server still holds the request a minute later",
                at(returned)
            ),
        )
        .ask("Is the request still running somewhere, on a task nobody stopped?")
        .timeline(&timeline)
        .check(dropped && timeline.last("server: the handler is dropped") == Some(returned));
        nothing_left_running(&timeline, CHAPTER, WORK, &[]).await;
        the_callers_token_is_untouched(&timeline, &token, "timed out");
    });
}

#[test]
fn a_cancel_stops_the_request_on_the_server_too() {
    paused(|| async {
        let timeline = Timeline::start();
        let (server, mut events) = supplier_server(&timeline).await;
        let client = Client::new();
        let token = CancellationToken::new();
        let cancel_at = Duration::from_secs(2);

        timeline.record("fetch starts");
        let fetching = async {
            let result = fetch(&client, &server.url("/prices/slow"), &token).await;
            timeline.record(format!("fetch returned {}", describe(&result)));
            (result, timeline.now())
        };
        // The user presses Stop 2 s after the server has started working.
        // The clock stands still until the request has reached the server.
        let hold = hold_the_clock();
        let user = async {
            let started = next(&mut events, Server::Started).await;
            drop(hold);
            if started {
                tokio::time::sleep(cancel_at).await;
                timeline.record_cancel("the user cancels the token");
                token.cancel();
            }
        };
        let ((result, returned), ()) = tokio::join!(fetching, user);
        Lesson::new(
            CHAPTER,
            format!(
                "the token was cancelled at t=2s; fetch should return Err(Cancelled) at once, \
                 but returned {} at {}",
                describe(&result),
                at(returned)
            ),
        )
        .ask(if returned == cancel_at {
            "fetch did stop at once. But can its caller tell this answer from a real one? \
             A cancel is not a value: it needs its own variant."
        } else {
            "A cancelled token is not an error reqwest knows about: reqwest never looks at it. \
             What could wait for the response and for the token at the same time?"
        })
        .timeline(&timeline)
        .check(matches!(result, Err(FetchError::Cancelled)) && returned == cancel_at);

        // The clock stands still (two real seconds at most) until the server
        // has seen the request go.
        let hold = hold_the_clock();
        let dropped = next(&mut events, Server::Dropped).await;
        drop(hold);
        let dropped_at = timeline.last("server: the handler is dropped");
        Lesson::new(
            CHAPTER,
            format!(
                "fetch returned at {}, but the server saw the request go {}",
                at(returned),
                match dropped_at {
                    Some(when) if dropped => format!("only at {}", at(when)),
                    _ => "never".to_owned(),
                }
            ),
        )
        .ask(
            "Dropping reqwest's `send()` future closes the connection. Is the request's \
             future dropped when fetch returns, or does it live on in a task of its own?",
        )
        .timeline(&timeline)
        .check(dropped && dropped_at == Some(cancel_at));
        nothing_left_running(&timeline, CHAPTER, WORK, &[]).await;
    });
}

#[test]
fn a_dropped_fetch_stops_the_request_on_the_server_too() {
    paused(|| async {
        let timeline = Timeline::start();
        let (server, mut events) = supplier_server(&timeline).await;
        let client = Client::new();
        let token = CancellationToken::new();
        let give_up_at = Duration::from_secs(2);

        timeline.record("fetch starts");
        let url = server.url("/prices/slow");
        // The caller stops waiting 2 s after the server started: its
        // `select!` drops fetch's future, and nobody cancels the token.
        let (give_up, gave_up) = oneshot::channel::<()>();
        let caller = async {
            tokio::select! {
                result = fetch(&client, &url, &token) => Some(result),
                _ = gave_up => None,
            }
        };
        // The clock stands still until the request has reached the server.
        let hold = hold_the_clock();
        let user = async {
            if next(&mut events, Server::Started).await {
                drop(hold);
                tokio::time::sleep(give_up_at).await;
                timeline.record_cancel("the caller gives up: fetch's future is dropped");
                let _ = give_up.send(());
            }
        };
        let (outcome, ()) = tokio::join!(caller, user);
        if let Some(result) = outcome {
            Lesson::new(
                BODY,
                format!(
                    "the caller meant to drop fetch at t=2s, but fetch returned {} at {} first",
                    describe(&result),
                    at(timeline.now())
                ),
            )
            .timeline(&timeline)
            .fail();
        }

        // The clock stands still until the server has seen the request go.
        let hold = hold_the_clock();
        let dropped = next(&mut events, Server::Dropped).await;
        drop(hold);
        let dropped_at = timeline
            .last("server: the handler is dropped")
            .filter(|_| dropped);
        Lesson::new(
            BODY,
            format!(
                "the caller dropped fetch at t=2s without cancelling the token, but the server \
                 let go of the request {}",
                dropped_at.map_or("never".to_owned(), |when| format!("only at {}", at(when)))
            ),
        )
        .ask(
            "A cancel is one way a call ends; a caller that drops fetch is another. Is the \
             request part of fetch's future, so that dropping fetch drops it, or on a task of \
             its own that only the token can stop?",
        )
        .timeline(&timeline)
        .check(dropped_at == Some(give_up_at));
        nothing_left_running(&timeline, BODY, WORK, &[]).await;
        the_callers_token_is_untouched(&timeline, &token, "was dropped");
    });
}

/// Starts `fetch` on `/prices/stalled`; once the server says the client is
/// reading the body, waits `after` and cancels the token if `cancel`.
/// Returns what fetch returned, when, and when the server let go.
async fn fetch_a_stalled_body(
    timeline: &Timeline,
    token: &CancellationToken,
    cancel_after: Option<Duration>,
) -> (Result<String, FetchError>, Duration, Option<Duration>) {
    let (server, mut events) = supplier_server(timeline).await;
    let client = Client::new();
    timeline.record("fetch starts");
    let fetching = async {
        // At most a virtual minute past the limit: a fetch that hears
        // neither its token nor its limit would wait for ever.
        let url = server.url("/prices/stalled");
        let call = tokio::time::timeout(
            FETCH_LIMIT + Duration::from_secs(60),
            fetch(&client, &url, token),
        );
        let result = match call.await {
            Ok(result) => result,
            Err(_) => Lesson::new(
                BODY,
                "the supplier sent its headers and part of the body, then nothing; a minute \
                 past its 10 s limit, fetch had still not returned.",
            )
            .ask("Does the time limit cover the whole call, the body included?")
            .timeline(timeline)
            .fail(),
        };
        timeline.record(format!("fetch returned {}", describe(&result)));
        (result, timeline.now())
    };
    // The clock stands still until the client is reading the body.
    let hold = hold_the_clock();
    let user = async {
        let stalled = next(&mut events, Server::BodyStalled).await;
        drop(hold);
        if let (true, Some(after)) = (stalled, cancel_after) {
            tokio::time::sleep(after).await;
            timeline.record_cancel("the user cancels the token");
            token.cancel();
        }
    };
    let ((result, returned), ()) = tokio::join!(fetching, user);
    // The clock stands still until the server has seen the request go.
    let hold = hold_the_clock();
    let dropped = next(&mut events, Server::Dropped).await;
    drop(hold);
    let dropped_at = timeline
        .last("server: the handler is dropped")
        .filter(|_| dropped);
    (result, returned, dropped_at)
}

#[test]
fn a_cancel_during_the_body_stops_the_download() {
    paused(|| async {
        let timeline = Timeline::start();
        let token = CancellationToken::new();
        let cancel_at = Duration::from_secs(2);
        let (result, returned, dropped_at) =
            fetch_a_stalled_body(&timeline, &token, Some(cancel_at)).await;
        Lesson::new(
            BODY,
            format!(
                "the supplier answered 200 at once and sent part of the price list; the user \
                 cancelled at t=2s, while fetch was reading the body. fetch should return \
                 Err(Cancelled) at once, but returned {} at {}",
                describe(&result),
                at(returned)
            ),
        )
        .ask(
            "The headers are in: is the rest of the call still raced against the token? \
             Reading the body is part of the call, and it can take as long as the server likes.",
        )
        .timeline(&timeline)
        .check(matches!(result, Err(FetchError::Cancelled)) && returned == cancel_at);
        Lesson::new(
            BODY,
            format!(
                "fetch returned at {}, but the server let go of the download {}",
                at(returned),
                dropped_at.map_or("never".to_owned(), |when| format!("at {}", at(when)))
            ),
        )
        .ask("Is the response (and its connection) dropped when fetch returns?")
        .timeline(&timeline)
        .check(dropped_at == Some(returned));
        nothing_left_running(&timeline, BODY, WORK, &[]).await;
    });
}

#[test]
fn a_stalled_body_times_out_at_exactly_the_limit() {
    paused(|| async {
        let timeline = Timeline::start();
        let token = CancellationToken::new();
        let (result, returned, dropped_at) = fetch_a_stalled_body(&timeline, &token, None).await;
        Lesson::new(
            BODY,
            format!(
                "the supplier answered 200 at once, sent part of the price list and then nothing; \
                 fetch should return Err(Timeout) at t=10s, but returned {} at {}",
                describe(&result),
                at(returned)
            ),
        )
        .ask("`FETCH_LIMIT` is from connecting to the last byte. Does your limit end with the headers?")
        .timeline(&timeline)
        .check(matches!(result, Err(FetchError::Timeout)) && returned == FETCH_LIMIT);
        Lesson::new(
            BODY,
            format!(
                "fetch gave up at {}, but the server let go of the download {}",
                at(returned),
                dropped_at.map_or("never".to_owned(), |when| format!("at {}", at(when)))
            ),
        )
        .timeline(&timeline)
        .check(dropped_at == Some(returned));
        nothing_left_running(&timeline, BODY, WORK, &[]).await;
        the_callers_token_is_untouched(&timeline, &token, "timed out");
    });
}

/// However fetch ended, the token is the caller's: fetch may listen to it,
/// never cancel it (the caller may be using it for other work).
fn the_callers_token_is_untouched(timeline: &Timeline, token: &CancellationToken, how: &str) {
    Lesson::new(
        NOT_YOURS,
        format!(
            "nobody cancelled the caller's token, and fetch {how}; yet afterwards the token is \
             cancelled, and with it everything else the caller runs under it."
        ),
    )
    .ask("Whose token is it? A guard or a timer that cancels the caller's token reaches far beyond fetch.")
    .timeline(timeline)
    .check(!token.is_cancelled());
}

#[test]
fn a_server_error_is_an_http_error() {
    paused(|| async {
        let timeline = Timeline::start();
        let (server, _events) = supplier_server(&timeline).await;
        let client = Client::new();
        let token = CancellationToken::new();

        // No virtual time passes while the request is on the network.
        let hold = hold_the_clock();
        let result = fetch(&client, &server.url("/prices/broken"), &token).await;
        drop(hold);
        timeline.record(format!("fetch returned {}", describe(&result)));
        let status = match &result {
            Err(FetchError::Http(error)) => error.status(),
            _ => None,
        };
        Lesson::new(
            CHAPTER,
            format!(
                "the supplier answered 500 Internal Server Error; fetch should return \
                 Err(Http(..)) with that status, but returned {}",
                describe(&result)
            ),
        )
        .ask(
            "reqwest hands you a 500 as a normal `Response`. What turns an error status \
             into an error?",
        )
        .timeline(&timeline)
        .check(status == Some(StatusCode::INTERNAL_SERVER_ERROR));
        nothing_left_running(&timeline, CHAPTER, WORK, &[]).await;
        the_callers_token_is_untouched(&timeline, &token, "failed with a 500");
    });
}

#[test]
fn a_good_answer_is_returned_whole() {
    paused(|| async {
        let timeline = Timeline::start();
        let (server, _events) = supplier_server(&timeline).await;
        let client = Client::new();
        let token = CancellationToken::new();

        // No virtual time passes while the request is on the network.
        let hold = hold_the_clock();
        let result = fetch(&client, &server.url("/prices"), &token).await;
        drop(hold);
        timeline.record(format!("fetch returned {}", describe(&result)));
        Lesson::new(
            CHAPTER,
            format!(
                "the supplier answered 200 OK; fetch should return its price list, \
                 but returned {}",
                describe(&result)
            ),
        )
        .timeline(&timeline)
        .check(matches!(&result, Ok(body) if body == "apples 3\npears 4\n"));
        nothing_left_running(&timeline, CHAPTER, WORK, &[]).await;
        the_callers_token_is_untouched(&timeline, &token, "returned the price list");
    });
}
