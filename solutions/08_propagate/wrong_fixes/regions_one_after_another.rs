// WRONG FIX: await the regions one by one under the token instead of spawning them. Every cancel now works, but the three regions are read one after another: 30 s instead of 10.
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
        // No more tasks: each region is awaited here, under the token.
        let mut lines = Vec::new();
        for region in REGIONS {
            match token
                .run_until_cancelled(export_region(&self.repo, region))
                .await
            {
                Some(region_lines) => lines.extend(region_lines),
                None => return Err(Cancelled),
            }
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
