//! Examples for the chapter "Capstone: a cancellable upload" (src/upload.md):
//! what a client's file name does to a path. (The axum side is compiled in
//! `solutions/20_upload`.)

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    // The trap clippy warns about is exactly what this example shows.
    #[allow(clippy::join_absolute_paths)]
    fn a_client_name_can_take_a_path_anywhere() {
        // ANCHOR: join
        let uploads = Path::new("/srv/uploads");
        // What the developer pictured:
        assert_eq!(
            uploads.join("report.pdf"),
            Path::new("/srv/uploads/report.pdf")
        );
        // `..` climbs out of the folder (the OS resolves it to /etc/passwd):
        assert_eq!(
            uploads.join("../../etc/passwd"),
            Path::new("/srv/uploads/../../etc/passwd")
        );
        // And an absolute name replaces the folder altogether:
        assert_eq!(uploads.join("/etc/passwd"), Path::new("/etc/passwd"));
        // ANCHOR_END: join
    }

    #[test]
    fn removing_dot_dot_slash_once_is_not_enough() {
        // ANCHOR: replace
        // Remove every "../"... and the halves around each one meet again.
        assert_eq!(
            "....//....//etc/passwd".replace("../", ""),
            "../../etc/passwd"
        );
        // ANCHOR_END: replace
    }

    #[test]
    fn the_base_name_stays_in_the_folder_but_is_still_the_clients() {
        // ANCHOR: file_name
        let base = |name: &str| Path::new(name).file_name().map(|n| n.to_owned());
        assert_eq!(base("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(base("/etc/passwd").unwrap(), "passwd");
        assert_eq!(base(".."), None);
        // ANCHOR_END: file_name
    }
}
