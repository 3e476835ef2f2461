//! Prints the table of deliberate differences from the stock agent
//! (src/differences.rs) as Markdown, or with `--write FILE` puts it
//! between the markers in FILE: `cargo run --example differences --
//! --write docs/reference.md`.

use std::process::ExitCode;

use floatip::differences;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => {
            print!("{}", differences::markdown_table());
            ExitCode::SUCCESS
        }
        [flag, path] if flag == "--write" => {
            let document = match std::fs::read_to_string(path) {
                Ok(document) => document,
                Err(e) => {
                    eprintln!("{path}: {e}");
                    return ExitCode::FAILURE;
                }
            };
            let Some(updated) = differences::with_table(&document) else {
                eprintln!("{path}: no line {}", differences::TABLE_BEGINS);
                return ExitCode::FAILURE;
            };
            if let Err(e) = std::fs::write(path, updated) {
                eprintln!("{path}: {e}");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("usage: differences [--write FILE]");
            ExitCode::from(2)
        }
    }
}
