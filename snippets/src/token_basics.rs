//! Examples for "One token type" (src/token-basics.md).

#[cfg(test)]
mod tests {
    use tokio_util::sync::CancellationToken;

    #[test]
    fn any_clone_can_cancel_them_all() {
        // ANCHOR: clones
        let app = CancellationToken::new();
        let given_to_a_worker = app.clone();
        given_to_a_worker.cancel(); // the worker meant "stop me"...
        assert!(app.is_cancelled()); // ...and stopped the whole application
        // ANCHOR_END: clones
    }

    #[test]
    fn a_child_is_cancelled_with_its_parent_but_not_the_other_way() {
        // ANCHOR: children
        let app = CancellationToken::new();
        let importer = app.child_token();
        let exporter = app.child_token();

        importer.cancel(); // stops the importer and its own children only
        assert!(!app.is_cancelled());
        assert!(!exporter.is_cancelled());

        app.cancel(); // shutdown: reaches every child, grandchildren too
        assert!(exporter.is_cancelled());
        // ANCHOR_END: children
    }

    #[test]
    fn a_child_of_a_cancelled_parent_starts_cancelled() {
        let app = CancellationToken::new();
        app.cancel();
        assert!(app.child_token().is_cancelled());
    }
}
