//! The tests of exercise 25, shared by the starter, the solution and every
//! wrong fix. A real axum server on a loopback port plays the payment
//! provider; tokio's paused clock makes its slow answers instant.
//!
//! The provider follows a script per order: what it does with the first
//! request for that order, the second, and so on. It records every charge
//! on the timeline, so a failure shows when each charge happened and with
//! which idempotency key.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use test_support::http::TestServer;
use test_support::{Lesson, Timeline, at, drop_at_every_point, nothing_left_running, paused};

use super::*;

const CHAPTER: &str = "\"Timed out, but did it happen?\", section \"One key per payment, sent on every attempt\" (src/unknown-outcome.md)";
const CHAPTER_TIMEOUT: &str =
    "\"Timed out, but did it happen?\", section \"A timeout is not a no\" (src/unknown-outcome.md)";

/// What the provider does with one request.
#[derive(Clone, Copy, Debug)]
enum Act {
    /// Charges at once, then answers after this long (a slow fraud check,
    /// a slow network back: the money has moved either way).
    Charge { answer_after: Duration },
    /// Answers 503 and charges nothing.
    Busy,
    /// Answers 402 and charges nothing.
    Decline,
}

/// `script(order, n)`: what to do with the n-th request (from 1) for `order`.
type Script = fn(u64, u32) -> Act;

struct Charge {
    order: u64,
    receipt: String,
}

#[derive(Default)]
struct Books {
    requests: HashMap<u64, u32>,
    charges: Vec<Charge>,
    /// The answer given to each idempotency key.
    keys: HashMap<String, String>,
}

#[derive(Clone)]
struct Provider {
    books: Arc<Mutex<Books>>,
    timeline: Timeline,
    script: Script,
}

impl Provider {
    fn charges_for(&self, order: u64) -> Vec<String> {
        let books = self.books.lock().unwrap();
        books
            .charges
            .iter()
            .filter(|charge| charge.order == order)
            .map(|charge| charge.receipt.clone())
            .collect()
    }
}

async fn charge(
    State(provider): State<Provider>,
    Path(order): Path<u64>,
    headers: HeaderMap,
    amount: String,
) -> (StatusCode, String) {
    let key = headers
        .get("idempotency-key")
        .and_then(|key| key.to_str().ok())
        .map(str::to_owned);
    let shown = key.as_deref().unwrap_or("none");
    // Check the key and charge in one step, under the lock.
    let (act, receipt) = {
        let mut books = provider.books.lock().unwrap();
        let n = {
            let n = books.requests.entry(order).or_insert(0);
            *n += 1;
            *n
        };
        provider.timeline.record(format!(
            "provider: request {n} for order {order} (key {shown})"
        ));
        if let Some(receipt) = key.as_ref().and_then(|key| books.keys.get(key)) {
            provider.timeline.record(format!(
                "provider: key {shown} seen before, answers {receipt} again, charges nothing"
            ));
            return (StatusCode::OK, receipt.clone());
        }
        let act = (provider.script)(order, n);
        let receipt = match act {
            Act::Charge { .. } => {
                let receipt = format!("r{}", books.charges.len() + 1);
                provider.timeline.record(format!(
                    "charge: order {order}, {amount} cents, receipt {receipt}"
                ));
                books.charges.push(Charge {
                    order,
                    receipt: receipt.clone(),
                });
                if let Some(key) = key {
                    books.keys.insert(key, receipt.clone());
                }
                receipt
            }
            Act::Busy => {
                provider
                    .timeline
                    .record("provider: busy, answers 503, charges nothing");
                return (StatusCode::SERVICE_UNAVAILABLE, String::new());
            }
            Act::Decline => {
                provider
                    .timeline
                    .record("provider: declined, answers 402, charges nothing");
                return (StatusCode::PAYMENT_REQUIRED, String::new());
            }
        };
        (act, receipt)
    };
    if let Act::Charge { answer_after } = act
        && !answer_after.is_zero()
    {
        tokio::time::sleep(answer_after).await;
    }
    provider
        .timeline
        .record(format!("provider: answers 201 {receipt}"));
    (StatusCode::CREATED, receipt)
}

async fn start(script: Script) -> (Provider, TestServer, Timeline) {
    let timeline = Timeline::start();
    let provider = Provider {
        books: Arc::default(),
        timeline: timeline.clone(),
        script,
    };
    let router = Router::new()
        .route("/orders/{order}/charges", post(charge))
        .with_state(provider.clone());
    let server = TestServer::start(router).await;
    (provider, server, timeline)
}

/// The first request for an order is charged, but answered one second after
/// the client's limit; every later one is answered at once.
fn slow_first_answer(_order: u64, n: u32) -> Act {
    if n == 1 {
        Act::Charge {
            answer_after: ATTEMPT_TIMEOUT + Duration::from_secs(1),
        }
    } else {
        Act::Charge {
            answer_after: Duration::ZERO,
        }
    }
}

const ORDER: Order = Order {
    id: 7,
    amount_cents: 1999,
};

/// Pays `order`, recording the call and its result on the timeline.
async fn pay_and_record(
    client: &PaymentClient,
    order: Order,
    timeline: &Timeline,
) -> Result<Receipt, PayError> {
    timeline.record(format!("caller: pay order {}", order.id));
    let result = client.pay(order).await;
    timeline.record(format!("caller: pay returned {result:?}"));
    result
}

#[test]
fn a_quick_payment_is_charged_once() {
    paused(|| async {
        let (provider, server, timeline) = start(|_, _| Act::Charge {
            answer_after: Duration::ZERO,
        })
        .await;
        let client = PaymentClient::new(server.url(""));
        let result = pay_and_record(&client, ORDER, &timeline).await;
        let charges = provider.charges_for(ORDER.id);
        Lesson::new(
            CHAPTER,
            format!(
                "the provider answered at once, but pay returned {result:?} and the order was charged {} time(s)",
                charges.len()
            ),
        )
        .ask("Does a plain, quick payment still go through, with the receipt the provider gave?")
        .timeline(&timeline)
        .check(charges.len() == 1 && result == Ok(Receipt(charges[0].clone())));
        nothing_left_running(&timeline, CHAPTER, &["charge"], &[]).await;
    });
}

#[test]
fn a_slow_answer_does_not_charge_twice() {
    paused(|| async {
        let (provider, server, timeline) = start(slow_first_answer).await;
        let client = PaymentClient::new(server.url(""));
        let result = pay_and_record(&client, ORDER, &timeline).await;
        let charges = provider.charges_for(ORDER.id);
        Lesson::new(
            CHAPTER,
            format!(
                "the provider charged the first request at t=0s and answered it at {}, after the \
                 client's {} limit; the order was charged {} time(s)",
                at(ATTEMPT_TIMEOUT + Duration::from_secs(1)),
                at(ATTEMPT_TIMEOUT),
                charges.len()
            ),
        )
        .ask(
            "When an attempt times out, did the charge happen or not? The client cannot know. \
             How can the retry tell the provider that it is the same payment, not a new one?",
        )
        .timeline(&timeline)
        .check(charges.len() == 1);
        Lesson::new(
            CHAPTER_TIMEOUT,
            format!(
                "the order was charged once (receipt {}), but pay returned {result:?}",
                charges[0]
            ),
        )
        .ask("The money has moved. What should the caller be told: an error, or the receipt?")
        .timeline(&timeline)
        .check(result == Ok(Receipt(charges[0].clone())));
        nothing_left_running(&timeline, CHAPTER, &["charge"], &[]).await;
    });
}

#[test]
fn an_attempt_that_never_answers_is_given_up() {
    paused(|| async {
        // The first request is charged and then never answered (an hour is
        // for ever here); the retry is answered at once.
        let (provider, server, timeline) = start(|_, n| Act::Charge {
            answer_after: if n == 1 {
                Duration::from_secs(3600)
            } else {
                Duration::ZERO
            },
        })
        .await;
        let client = PaymentClient::new(server.url(""));
        timeline.record("caller: pay order 7");
        let limit = ATTEMPT_TIMEOUT * ATTEMPTS + Duration::from_millis(500);
        let result = tokio::time::timeout(limit, client.pay(ORDER)).await;
        timeline.record(format!("caller: {result:?}"));
        let charges = provider.charges_for(ORDER.id);
        Lesson::new(
            CHAPTER_TIMEOUT,
            format!(
                "the first request was charged and never answered; {} after the call pay had \
                 still not returned",
                at(limit)
            ),
        )
        .ask("Does each attempt have its own limit, ATTEMPT_TIMEOUT, after which the client gives up on it?")
        .timeline(&timeline)
        .check(result.is_ok());
        Lesson::new(
            CHAPTER,
            format!(
                "the first request was charged and never answered; the order was charged {} time(s), and pay returned {:?}",
                charges.len(),
                result.as_ref().ok()
            ),
        )
        .ask("The retry has to tell the provider it is the same payment. Does it send the same key as the first attempt?")
        .timeline(&timeline)
        .check(charges.len() == 1 && result == Ok(Ok(Receipt(charges[0].clone()))));
        nothing_left_running(&timeline, CHAPTER, &["charge"], &[]).await;
    });
}

#[test]
fn a_busy_provider_is_tried_again() {
    paused(|| async {
        let (provider, server, timeline) = start(|_, n| {
            if n == 1 {
                Act::Busy
            } else {
                Act::Charge {
                    answer_after: Duration::ZERO,
                }
            }
        })
        .await;
        let client = PaymentClient::new(server.url(""));
        let result = pay_and_record(&client, ORDER, &timeline).await;
        let charges = provider.charges_for(ORDER.id);
        Lesson::new(
            CHAPTER,
            format!(
                "the provider was busy once (503, nothing charged); pay returned {result:?} and the order was charged {} time(s)",
                charges.len()
            ),
        )
        .ask("A 503 is a clear \"nothing happened\": is it still tried again, once?")
        .timeline(&timeline)
        .check(charges.len() == 1 && result == Ok(Receipt(charges[0].clone())));
    });
}

#[test]
fn a_declined_card_is_not_tried_again() {
    paused(|| async {
        let (provider, server, timeline) = start(|_, _| Act::Decline).await;
        let client = PaymentClient::new(server.url(""));
        let result = pay_and_record(&client, ORDER, &timeline).await;
        let requests = timeline.count("provider: request");
        Lesson::new(
            CHAPTER,
            format!(
                "the card was declined (402); pay returned {result:?} after {requests} request(s)"
            ),
        )
        .ask("A 402 is a clear \"no\": is it reported as Declined(402), without a second try?")
        .timeline(&timeline)
        .check(result == Err(PayError::Declined(402)) && requests == 1);
        Lesson::new(CHAPTER, "a declined card was charged")
            .timeline(&timeline)
            .check(provider.charges_for(ORDER.id).is_empty());
    });
}

#[test]
fn two_orders_are_two_charges() {
    paused(|| async {
        let (provider, server, timeline) = start(slow_first_answer).await;
        let client = PaymentClient::new(server.url(""));
        let first = Order {
            id: 7,
            amount_cents: 1999,
        };
        let second = Order {
            id: 8,
            amount_cents: 500,
        };
        let first_result = pay_and_record(&client, first, &timeline).await;
        let second_result = pay_and_record(&client, second, &timeline).await;
        let (first_charges, second_charges) = (
            provider.charges_for(first.id),
            provider.charges_for(second.id),
        );
        Lesson::new(
            CHAPTER,
            format!(
                "two different orders: order 7 was charged {} time(s), order 8 {} time(s); pay \
                 returned {first_result:?}, then {second_result:?}",
                first_charges.len(),
                second_charges.len()
            ),
        )
        .ask(
            "The key tells the provider \"this is the same payment\". Is it the same for two \
             attempts at one order, and different for two orders?",
        )
        .timeline(&timeline)
        .check(
            first_charges.len() == 1
                && second_charges.len() == 1
                && first_result == Ok(Receipt(first_charges[0].clone()))
                && second_result == Ok(Receipt(second_charges[0].clone())),
        );
    });
}

#[test]
fn a_caller_that_gives_up_and_pays_again_is_charged_once() {
    paused(|| async {
        let (provider, server, timeline) = start(slow_first_answer).await;
        let client = PaymentClient::new(server.url(""));
        let mut next_order = 100;
        let points = drop_at_every_point(
            || {
                next_order += 1;
                let order = Order {
                    id: next_order,
                    amount_cents: 1999,
                };
                timeline.record(format!("caller: pay order {}", order.id));
                (order, client.pay(order))
            },
            async |order: Order, point| {
                timeline.record(format!(
                    "caller: gives up on order {} {point}, and pays again",
                    order.id
                ));
                let again = client.pay(order).await;
                timeline.record(format!("caller: pay returned {again:?}"));
                // Let a request that was on its way when the caller gave up
                // arrive and be charged.
                tokio::time::sleep(Duration::from_secs(10)).await;
                let charges = provider.charges_for(order.id);
                Lesson::new(
                    CHAPTER,
                    format!(
                        "the caller dropped pay() for order {} {point} (its own timeout, a \
                         cancelled request), then called pay() again for the same order; the \
                         order was charged {} time(s), and the second call returned {again:?}",
                        order.id,
                        charges.len()
                    ),
                )
                .ask(
                    "The caller's give-up is an unknown outcome too: the first request may have \
                     been charged. Does the second call send the same key as the first, or a \
                     new one? What is the key made from?",
                )
                .timeline(&timeline)
                .check(charges.len() == 1 && again == Ok(Receipt(charges[0].clone())));
            },
        )
        .await;
        assert!(
            points >= 1,
            "pay returned without ever waiting for the provider"
        );
        nothing_left_running(&timeline, CHAPTER, &["charge"], &[]).await;
    });
}
