//! Writes floatip's bash completion, generated from the CLI definition by
//! clap's own generator: `cargo run --example completion > floatip.bash`.
//! `make install` puts it in /usr/share/bash-completion/completions.

use std::io;

use clap_complete::{generate, Shell};
use floatip::cli;

fn main() {
    let mut command = cli::command("floatip");
    generate(
        Shell::Bash,
        &mut command,
        "floatip",
        &mut io::stdout().lock(),
    );
}
