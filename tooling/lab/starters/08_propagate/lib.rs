//! # Exercise 08: an export that outlives its request
//!
//! Chapter: "Passing cancellation down" (`src/propagate.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check propagate`.
//!
//! Three layers, the way a .NET web API is usually built:
//!
//! - a controller, `export_orders`, that answers `GET /orders/export` and is
//!   given the request's token (cancelled when the client disconnects);
//! - a service, `ExportService::export`, that reads the orders of three sales
//!   regions at the same time and turns them into CSV lines;
//! - a repository, `OrderRepository::read_page`, that runs one query per page.
//!
//! A caller can stop the export in two ways: by cancelling the request's
//! token, or by dropping the controller's future (a timeout, or the server
//! after a disconnect). Either way, every query must stop at once. Today the
//! queries run to the end whatever the caller does.
//!
//! Find where the chain from the controller down to the repository is
//! broken, and mend it. A client who waits must still get every region, read
//! at the same time (ten seconds, not thirty).

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// The sales regions, exported side by side.
pub const REGIONS: [&str; 3] = ["north", "south", "west"];
/// How many pages of orders each region has.
pub const PAGES: u32 = 10;
/// One query (one page) takes this long.
pub const QUERY_TIME: Duration = Duration::from_secs(1);

/// Reports what the repository does: `"page 3 of north read"`.
pub type Events = Arc<dyn Fn(String) + Send + Sync>;

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
    repo: Arc<OrderRepository>,
}

impl ExportService {
    pub fn new(repo: OrderRepository) -> Self {
        ExportService {
            repo: Arc::new(repo),
        }
    }

    /// Reads every region's orders and returns them as CSV lines, region by
    /// region. The regions are read at the same time.
    pub async fn export(&self, token: &CancellationToken) -> Result<Vec<String>, Cancelled> {
        if token.is_cancelled() {
            return Err(Cancelled); // the client is already gone
        }
        // One task per region, so that the three regions are read in
        // parallel, the way `Task.WhenAll` would run them in .NET.
        let mut tasks = Vec::new();
        for region in REGIONS {
            let repo = Arc::clone(&self.repo);
            tasks.push(tokio::spawn(
                async move { export_region(&repo, region).await },
            ));
        }
        let mut lines = Vec::new();
        for task in tasks {
            lines.extend(task.await.expect("a region's export panicked"));
        }
        Ok(lines)
    }
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
mod tests;
