//! The HTTP side: join, report, the class's JSON and the dashboard page.
//! Every refusal is decided before the database is written, so a refused
//! request changes nothing; bodies are read as bytes and parsed here, so a
//! malformed one gets a 400 that says what is wrong.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::rate_limit::RateLimit;
use crate::store::Store;
use crate::wire::{self, Acked, Join, Joined, Report};
use crate::{now, view};

pub struct AppState {
    pub store: Store,
    pub exercises: Vec<String>,
    pub join_code: String,
    pub key: String,
    pub rate_limit: RateLimit,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(dashboard))
        // Browsers ask for it; "nothing" is an answer, a 404 is an error.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/join", post(join))
        .route("/api/report", post(report))
        .route("/api/class", get(class))
        .layer(DefaultBodyLimit::max(wire::MAX_BODY_BYTES))
        .with_state(state)
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({ "error": message.into() });
    (status, axum::Json(body)).into_response()
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(refuse(
            StatusCode::BAD_REQUEST,
            format!("malformed request: {e}"),
        ))
    })
}

fn internal(error: anyhow::Error) -> Response {
    eprintln!("class server: {error:#}");
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server could not store this; try again",
    )
}

async fn join(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let join: Join = match parse(&body) {
        Ok(join) => join,
        Err(response) => return *response,
    };
    if join.code.trim().to_uppercase() != state.join_code {
        return refuse(
            StatusCode::FORBIDDEN,
            "wrong join code: check the one the instructor shows",
        );
    }
    if let Some(problem) = wire::name_problem(&join.name) {
        return refuse(StatusCode::BAD_REQUEST, problem);
    }
    match state.store.add_learner(join.name.trim(), now()).await {
        Ok(token) => axum::Json(Joined { token }).into_response(),
        Err(error) => internal(error),
    }
}

async fn report(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let report: Report = match parse(&body) {
        Ok(report) => report,
        Err(response) => return *response,
    };
    let learner = match state.store.learner_by_token(&report.token).await {
        Ok(Some(learner)) => learner,
        Ok(None) => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                "unknown learner: join the class again",
            );
        }
        Err(error) => return internal(error),
    };
    if report.events.len() > wire::MAX_EVENTS_PER_REPORT {
        let max = wire::MAX_EVENTS_PER_REPORT;
        return refuse(
            StatusCode::BAD_REQUEST,
            format!("more than {max} events in one report"),
        );
    }
    if let Some(problem) = report
        .events
        .iter()
        .find_map(|e| wire::event_problem(e, &state.exercises))
    {
        return refuse(StatusCode::BAD_REQUEST, problem);
    }
    if !state.rate_limit.allow(learner, Instant::now()) {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "too many reports: slow down");
    }
    match state.store.add_events(learner, &report.events, now()).await {
        Ok(acked) => axum::Json(Acked { acked }).into_response(),
        Err(error) => internal(error),
    }
}

#[derive(Deserialize)]
struct KeyQuery {
    key: Option<String>,
}

fn key_refusal(state: &AppState, query: &KeyQuery) -> Option<Response> {
    match &query.key {
        None => Some(refuse(
            StatusCode::UNAUTHORIZED,
            "the dashboard needs ?key=KEY",
        )),
        Some(key) if *key != state.key => {
            Some(refuse(StatusCode::FORBIDDEN, "wrong dashboard key"))
        }
        Some(_) => None,
    }
}

async fn class(State(state): State<Arc<AppState>>, Query(query): Query<KeyQuery>) -> Response {
    if let Some(refusal) = key_refusal(&state, &query) {
        return refusal;
    }
    let (learners, events) = match (state.store.learners().await, state.store.events().await) {
        (Ok(l), Ok(e)) => (l, e),
        (Err(error), _) | (_, Err(error)) => return internal(error),
    };
    axum::Json(view::build(&state.exercises, &learners, &events, now())).into_response()
}

const DASHBOARD: &str = include_str!("dashboard.html");

async fn dashboard(State(state): State<Arc<AppState>>, Query(query): Query<KeyQuery>) -> Response {
    if let Some(refusal) = key_refusal(&state, &query) {
        return refusal;
    }
    // The page may talk to this server only, and shows no data as markup.
    let policy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                  connect-src 'self'; img-src 'self'";
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, policy),
            (header::CACHE_CONTROL, "no-store"),
        ],
        DASHBOARD,
    )
        .into_response()
}
