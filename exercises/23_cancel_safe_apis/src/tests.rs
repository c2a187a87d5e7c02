//! The tests of exercise 23, shared by the starter, the solution and
//! every wrong fix. Paused clock: the stats tick at every whole second, the
//! slow consumer takes an order every 2.35 s (never on a whole second, so no
//! two timers meet), and downstream holds two orders.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use test_support::{
    Lesson, Timeline, at, drop_at_every_point, nothing_left_running, paused, tasks_alive,
};

use super::*;

const SAFE: &str = "\"Cancel-safe APIs\", section \"Reserve, then send\" (src/cancel-safe-apis.md)";
const TICKS: &str =
    "\"Cancel-safe APIs\", section \"Cancel-safe building blocks\" (src/cancel-safe-apis.md)";
const OWN: &str = "\"Cancel-safe APIs\", section \"Say it in the docs\" (src/cancel-safe-apis.md)";

/// How many orders each test sends: more than downstream holds, many times over.
const ORDERS: u64 = 12;
/// How long the consumer takes per order.
const CONSUMER_EVERY: Duration = Duration::from_millis(2350);

/// An upstream queue already holding `ORDERS` orders, its sender dropped.
fn full_upstream() -> mpsc::Receiver<u64> {
    let (tx, rx) = mpsc::channel(ORDERS as usize);
    for order in 1..=ORDERS {
        tx.try_send(order).unwrap();
    }
    rx
}

/// Takes one order every 2.35 s until the channel closes.
async fn slow_consumer(
    downstream: Arc<tokio::sync::Mutex<mpsc::Receiver<u64>>>,
    got: Arc<Mutex<Vec<u64>>>,
    timeline: Timeline,
) {
    let mut downstream = downstream.lock().await;
    loop {
        tokio::time::sleep(CONSUMER_EVERY).await;
        match downstream.recv().await {
            Some(order) => {
                timeline.record(format!("consumer got order {order}"));
                got.lock().unwrap().push(order);
            }
            None => return,
        }
    }
}

fn reporter(timeline: &Timeline) -> impl Fn(String) + use<> {
    let timeline = timeline.clone();
    move |line| timeline.record(line)
}

#[test]
fn every_order_arrives_while_downstream_is_slow() {
    paused(|| async {
        let timeline = Timeline::start();
        let mut upstream = full_upstream();
        let (downstream, rx) = mpsc::channel(2);
        let got = Arc::new(Mutex::new(Vec::new()));
        let consumer = tokio::spawn(slow_consumer(
            Arc::new(tokio::sync::Mutex::new(rx)),
            got.clone(),
            timeline.clone(),
        ));
        let forwarded = forward(&mut upstream, &downstream, reporter(&timeline)).await;
        timeline.record(format!("forward returned {forwarded}"));
        drop(downstream);
        consumer.await.unwrap();
        let got = got.lock().unwrap().clone();
        let lost: Vec<u64> = (1..=ORDERS).filter(|order| !got.contains(order)).collect();
        Lesson::new(
            SAFE,
            format!(
                "{ORDERS} orders went in, {} came out ({forwarded} counted as forwarded); lost: {lost:?}",
                got.len()
            ),
        )
        .ask("Downstream was full for seconds at a time, and a stats tick came every second. \
              When the tick wins the inner `select!`, what happens to the `send` future, and to the order it holds?")
        .timeline(&timeline)
        .check(got == (1..=ORDERS).collect::<Vec<_>>() && forwarded == ORDERS);

        nothing_left_running(&timeline, SAFE, &["stats"], &[]).await;
        Lesson::new(
            SAFE,
            format!(
                "an hour after forward returned, {} task(s) it started are alive",
                tasks_alive()
            ),
        )
        .ask("`forward` is an ordinary async fn: did it spawn something that outlives it?")
        .check(tasks_alive() == 0);
    });
}

/// The whole-second instants at which stats were reported, up to `until`.
fn stats_instants(timeline: &Timeline) -> Vec<Duration> {
    timeline
        .events()
        .into_iter()
        .filter(|event| event.what.starts_with("stats"))
        .map(|event| event.at)
        .collect()
}

#[test]
fn stats_come_every_second_while_downstream_is_full() {
    paused(|| async {
        let timeline = Timeline::start();
        let mut upstream = full_upstream();
        let (downstream, rx) = mpsc::channel(2);
        let got = Arc::new(Mutex::new(Vec::new()));
        let consumer = tokio::spawn(slow_consumer(
            Arc::new(tokio::sync::Mutex::new(rx)),
            got.clone(),
            timeline.clone(),
        ));
        forward(&mut upstream, &downstream, reporter(&timeline)).await;
        let ended = timeline.now();
        drop(downstream);
        consumer.await.unwrap();
        let reported = stats_instants(&timeline);
        let expected: Vec<Duration> = (1..=ended.as_secs()).map(Duration::from_secs).collect();
        Lesson::new(
            TICKS,
            format!(
                "forward ran until {} with downstream mostly full; stats were reported at [{}] instead of every second",
                at(ended),
                reported.iter().map(|instant| at(*instant)).collect::<Vec<_>>().join(", ")
            ),
        )
        .ask("Is the stats tick raced against *every* wait, the wait for room downstream included?")
        .timeline(&timeline)
        .check(reported == expected);
    });
}

#[test]
fn stats_come_every_second_while_upstream_is_idle() {
    paused(|| async {
        let timeline = Timeline::start();
        let (orders, mut upstream) = mpsc::channel(4);
        let (downstream, mut rx) = mpsc::channel(2);
        let sender = timeline.clone();
        // One order at t=5.5s, then upstream closes.
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5500)).await;
            sender.record("order 1 sent");
            orders.send(1).await.unwrap();
        });
        let forwarded = forward(&mut upstream, &downstream, reporter(&timeline)).await;
        let reported = stats_instants(&timeline);
        let expected: Vec<Duration> = (1..=5).map(Duration::from_secs).collect();
        Lesson::new(
            TICKS,
            format!(
                "upstream was empty until t=5.5s; stats were reported at [{}] instead of t=1s..t=5s",
                reported.iter().map(|instant| at(*instant)).collect::<Vec<_>>().join(", ")
            ),
        )
        .ask("While `forward` waits for an order, does it still listen to the tick?")
        .timeline(&timeline)
        .check(reported == expected && forwarded == 1 && rx.try_recv() == Ok(1));
    });
}

#[test]
fn forward_ends_when_downstream_is_gone() {
    paused(|| async {
        let timeline = Timeline::start();
        let (orders, mut upstream) = mpsc::channel(4);
        let (downstream, rx) = mpsc::channel(2);
        drop(rx);
        let forwarded = tokio::time::timeout(
            Duration::from_millis(2500),
            forward(&mut upstream, &downstream, reporter(&timeline)),
        )
        .await;
        Lesson::new(
            OWN,
            format!("downstream's receiver was gone from the start, and forward returned {forwarded:?} instead of Ok(0) at once"),
        )
        .ask("Does `forward` wait for an order before it knows there is anywhere to put it? \
              `downstream.reserve()` fails at once when the receiver is gone.")
        .timeline(&timeline)
        .check(forwarded == Ok(0) && timeline.now() == Duration::ZERO);
        drop(orders);
        nothing_left_running(&timeline, OWN, &["stats"], &[]).await;
    });
}

#[test]
fn dropping_forward_at_any_point_loses_no_order() {
    paused(|| async {
        drop_at_every_point(
            || {
                let upstream = Arc::new(tokio::sync::Mutex::new(full_upstream()));
                let (downstream, rx) = mpsc::channel(2);
                let rx = Arc::new(tokio::sync::Mutex::new(rx));
                let got = Arc::new(Mutex::new(Vec::new()));
                let state = (upstream.clone(), rx.clone(), got.clone());
                let run = async move {
                    let consumer = slow_consumer(rx, got, Timeline::start());
                    let forwarder = async {
                        let mut upstream = upstream.lock().await;
                        forward(&mut upstream, &downstream, |_| {}).await;
                        drop(downstream);
                    };
                    tokio::join!(forwarder, consumer);
                };
                (state, run)
            },
            async |(upstream, rx, got), point| {
                let mut orders = got.lock().unwrap().clone();
                let mut downstream = rx.try_lock().expect("the consumer is dropped");
                while let Ok(order) = downstream.try_recv() {
                    orders.push(order);
                }
                let mut upstream = upstream.try_lock().expect("forward is dropped");
                while let Ok(order) = upstream.try_recv() {
                    orders.push(order);
                }
                let lost: Vec<u64> = (1..=ORDERS).filter(|order| !orders.contains(order)).collect();
                Lesson::new(
                    OWN,
                    format!(
                        "forward was dropped {point}; afterwards {} of the {ORDERS} orders were downstream or still upstream, \
                         lost: {lost:?}",
                        orders.len()
                    ),
                )
                .ask("`forward` promises that a drop loses nothing. Where can an order be, taken from upstream but not yet downstream, \
                      at an `.await`? Whatever a future holds at its `.await` is dropped with it.")
                .check(lost.is_empty() && orders == (1..=ORDERS).collect::<Vec<_>>());
            },
        )
        .await;
    });
}
