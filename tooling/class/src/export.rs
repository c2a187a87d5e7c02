//! `export`: every event as CSV, one row per check, for the instructor's
//! own notes after a workshop. Fields are always quoted (RFC 4180), so a
//! comma or a quote in a name or a test name cannot shift the columns.

use std::collections::HashMap;
use std::fmt::Write as _;

use anyhow::Result;

use crate::store::Store;

fn quoted(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

pub async fn csv(store: &Store) -> Result<String> {
    let names: HashMap<i64, String> = store
        .learners()
        .await?
        .into_iter()
        .map(|l| (l.id, l.name))
        .collect();
    let mut out = String::from(
        "learner,exercise,solved,failing_tests,hints,seconds_on_exercise,received_at\n",
    );
    for event in store.events().await? {
        let name = names.get(&event.learner).map_or("?", String::as_str);
        writeln!(
            out,
            "{},{},{},{},{},{},{}",
            quoted(name),
            quoted(&event.exercise),
            event.solved,
            quoted(&event.failing.join(" ")),
            event.hints,
            event.seconds,
            event.received_at
        )?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_quote_is_doubled_and_every_field_is_quoted() {
        assert_eq!(super::quoted("a \"b\", c"), "\"a \"\"b\"\", c\"");
    }
}
