//! # Solution of exercise 08: an export that outlives its request
//!
//! Chapter: "Passing cancellation down" (`src/propagate.md`).
//!
//! The chain was broken in the service, twice. It looked at the token once,
//! before starting, and never again; and it ran the regions on tasks started
//! with `tokio::spawn`, which belong to the runtime, not to the caller, so
//! dropping the controller's future left them running.
//!
//! The fix runs the three regions with `tokio::join!`: they still run at the
//! same time, but inside the service's own future, so whoever drops that
//! future drops them too, down to the query each one is waiting on. Then the
//! token is heard in one place, around the whole export:
//! `run_until_cancelled` drops the joined work the moment the token is
//! cancelled. Neither `export_region` nor the repository needs a token: they
//! are awaited, so they stop with their caller.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The sales regions, exported side by side.
pub const REGIONS: [&str; 3] = ["north", "south", "west"];
/// How many pages of orders each region has.
pub const PAGES: u32 = 10;
/// One query (one page) takes this long.
pub const QUERY_TIME: Duration = Duration::from_secs(1);

/// Reports what the repository does: `"page 3 of north read"`.
pub type Events = std::sync::Arc<dyn Fn(String) + Send + Sync>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub region: &'static str,
    pub id: u32,
}

/// The bottom layer: talks to the database.
pub struct OrderRepository {
    events: Events,
}

impl OrderRepository {
    pub fn new(events: Events) -> Self {
        OrderRepository { events }
    }

    /// Reads one page of a region's orders: one query of about a second.
    /// Like any database call in async Rust, it stops if its future is
    /// dropped.
    pub async fn read_page(&self, region: &'static str, page: u32) -> Vec<Order> {
        tokio::time::sleep(QUERY_TIME).await; // the query
        (self.events)(format!("page {page} of {region} read"));
        vec![
            Order {
                region,
                id: page * 100 + 1,
            },
            Order {
                region,
                id: page * 100 + 2,
            },
        ]
    }
}

/// The export was stopped because its caller cancelled it.
#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

/// The middle layer: the export's business logic.
pub struct ExportService {
    repo: OrderRepository,
}

impl ExportService {
    pub fn new(repo: OrderRepository) -> Self {
        ExportService { repo }
    }

    // ANCHOR: export
    /// Reads every region's orders and returns them as CSV lines, region by
    /// region. The regions are read at the same time.
    pub async fn export(&self, token: &CancellationToken) -> Result<Vec<String>, Cancelled> {
        let [first, second, third] = REGIONS;
        // Three futures polled side by side inside this one: no task of
        // their own, so they are dropped with it.
        let every_region = async {
            let (a, b, c) = tokio::join!(
                export_region(&self.repo, first),
                export_region(&self.repo, second),
                export_region(&self.repo, third),
            );
            [a, b, c].concat()
        };
        // The one place that listens to the token: on cancel, the joined
        // work is dropped, and with it every query in flight.
        token
            .run_until_cancelled(every_region)
            .await
            .ok_or(Cancelled)
    }
    // ANCHOR_END: export
}

/// Reads one region, page by page, and formats its orders as CSV lines.
async fn export_region(repo: &OrderRepository, region: &'static str) -> Vec<String> {
    let mut lines = Vec::new();
    for page in 1..=PAGES {
        for order in repo.read_page(region, page).await {
            lines.push(format!("{},{}", order.region, order.id));
        }
    }
    lines
}

#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

/// The top layer, `GET /orders/export`. `request_aborted` is cancelled when
/// the client disconnects (ASP.NET Core's `HttpContext.RequestAborted`).
pub async fn export_orders(
    service: &ExportService,
    request_aborted: &CancellationToken,
) -> Response {
    match service.export(request_aborted).await {
        Ok(lines) => Response {
            status: 200,
            body: lines.join("\n"),
        },
        // 499 "client closed request": nobody reads it, but the access log does.
        Err(Cancelled) => Response {
            status: 499,
            body: String::new(),
        },
    }
}

#[cfg(test)]
#[path = "../../../exercises/08_propagate/src/tests.rs"]
mod tests;
