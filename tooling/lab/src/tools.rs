//! The one outside tool the course uses: mdBook 0.5.4, to build the book.
//!
//! `cargo lab` looks for it on the PATH, then in `target/tools/bin` (where
//! `cargo lab prepare` installs it), and installs it there from crates.io
//! (pinned, `--locked`) when neither has it. So a machine with only a Rust
//! toolchain can read the book; after `prepare`, no network is needed.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::cargo;

pub const MDBOOK_VERSION: &str = "0.5.4";

/// A working mdBook of the pinned version, installing it if needed.
pub fn mdbook(root: &Path) -> Result<PathBuf> {
    if let Some(found) = find_mdbook(root) {
        return Ok(found);
    }
    install(root, "mdbook", MDBOOK_VERSION)?;
    find_mdbook(root).context("mdBook was installed but does not run")
}

/// Installs a crate's binaries at a pinned version into `target/tools`
/// (`cargo install --locked`), once. cargo's own progress and its "add this
/// folder to your PATH" advice would land in the middle of the learner's test
/// output: they go to `target/lab/<crate>-install.log` instead. The runner
/// calls the binaries by their path, so PATH does not matter.
pub fn install(root: &Path, krate: &str, version: &str) -> Result<()> {
    let log = root.join(format!("target/lab/{krate}-install.log"));
    println!(
        "Installing {krate} {version} into target/tools (once; it takes a few minutes; cargo's output goes to {}) ...",
        log.display()
    );
    fs_err::create_dir_all(root.join("target/lab"))?;
    let status = cargo::cargo()
        .args([
            "install",
            krate,
            "--version",
            version,
            "--locked",
            "--force",
            "--quiet",
            "--root",
        ])
        .arg(root.join("target/tools"))
        .stdin(std::process::Stdio::null())
        .stdout(fs_err::File::create(&log)?.into_parts().0)
        .stderr(
            fs_err::OpenOptions::new()
                .append(true)
                .open(&log)?
                .into_parts()
                .0,
        )
        .status()
        .context("cannot run cargo install")?;
    if !status.success() {
        bail!(
            "could not install {krate} {version} (no network?), see {}. Install it yourself with\n  cargo install {krate} --version {version} --locked",
            log.display()
        );
    }
    Ok(())
}

fn find_mdbook(root: &Path) -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("MDBOOK").map(PathBuf::from),
        Some(root.join("target/tools/bin/mdbook")),
        Some(PathBuf::from("mdbook")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|candidate| is_pinned_mdbook(candidate))
}

fn is_pinned_mdbook(program: &Path) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|out| {
            String::from_utf8_lossy(&out.stdout).trim() == format!("mdbook v{MDBOOK_VERSION}")
        })
}
