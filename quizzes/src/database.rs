//! "Databases": a transaction whose future is dropped before its commit (real
//! time: SQLite runs on a thread of its own).

use std::time::Duration;

use sqlx::sqlite::SqlitePoolOptions;
use tokio::time::{sleep, timeout};

use crate::{Question, real_time};

pub fn questions() -> Vec<Question> {
    vec![real_time!("database-dropped-transaction", rows_after_drop)]
}

// ANCHOR: rows_after_drop
pub async fn rows_after_drop() -> i64 {
    // One connection, so every query sees the same in-memory database.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::query("CREATE TABLE orders (id INTEGER)")
        .execute(&pool)
        .await
        .unwrap();
    let place_orders = async {
        let mut tx = pool.begin().await.unwrap();
        for id in 1..=3 {
            sqlx::query("INSERT INTO orders VALUES (?)")
                .bind(id)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        sleep(Duration::from_secs(5)).await; // a slow call before the commit
        tx.commit().await.unwrap();
    };
    let _ = timeout(Duration::from_millis(300), place_orders).await;
    sqlx::query_scalar("SELECT COUNT(*) FROM orders")
        .fetch_one(&pool)
        .await
        .unwrap()
}
// ANCHOR_END: rows_after_drop
