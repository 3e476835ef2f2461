//! The `proto` parameter: a route protocol as iproute2 names it. A
//! number 0–255, or a name from iproute2's table: its built-in names,
//! then `/usr/share/iproute2/rt_protos` (where newer iproute2 keeps the
//! distribution's defaults) and `/etc/iproute2/rt_protos`, each with its
//! `rt_protos.d/*.conf`, a later file overriding an earlier one, as `ip
//! route list proto <name>` reads them.

use std::path::Path;

use crate::config::values::shown;
use crate::ocf::{Error, Result};

/// iproute2's built-in names (lib/rt_names.c), known without any file.
const BUILT_IN: &[(u8, &str)] = &[
    (0, "unspec"),
    (1, "redirect"),
    (2, "kernel"),
    (3, "boot"),
    (4, "static"),
    (8, "gated"),
    (9, "ra"),
    (10, "mrt"),
    (11, "zebra"),
    (12, "bird"),
    (13, "dnrouted"),
    (14, "xorp"),
    (15, "ntk"),
    (16, "dhcp"),
    (18, "keepalived"),
    (42, "babel"),
    (99, "openr"),
    (186, "bgp"),
    (187, "isis"),
    (188, "ospf"),
    (189, "rip"),
    (192, "eigrp"),
];

/// The configuration directories, lowest precedence first.
const DIRECTORIES: &[&str] = &["/usr/share/iproute2", "/etc/iproute2"];

/// A table file is a few hundred bytes; anything past this is not one.
const FILE_LIMIT: usize = 64 * 1024;

/// The protocol number `text` names.
pub fn parse(text: &str) -> Result<u8> {
    if let Some(number) = number(text) {
        return number.ok_or_else(|| invalid(text));
    }
    let mut found = BUILT_IN
        .iter()
        .find(|(_, name)| *name == text)
        .map(|(number, _)| *number);
    for directory in DIRECTORIES {
        for file in table_files(Path::new(directory)) {
            if let Some(number) = lookup(&file, text) {
                found = Some(number);
            }
        }
    }
    found.ok_or_else(|| invalid(text))
}

/// `Some` when `text` is written as a number (decimal, or hexadecimal
/// with 0x as iproute2 accepts): `Some(None)` when it is past 255.
fn number(text: &str) -> Option<Option<u8>> {
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            u64::from_str_radix(hex, 16).ok()
        }
        Some(_) => return None,
        None if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            Some(text.parse::<u64>().unwrap_or(u64::MAX))
        }
        None => return None,
    };
    Some(parsed.and_then(|n| u8::try_from(n).ok()))
}

fn invalid(text: &str) -> Error {
    Error::configured(format!(
        "Invalid proto [{}]: a route protocol number (0 to 255) or a name from \
         /etc/iproute2/rt_protos",
        shown(text)
    ))
}

/// `rt_protos`, then `rt_protos.d/*.conf` in name order.
fn table_files(directory: &Path) -> Vec<String> {
    let mut files = Vec::new();
    if let Some(text) = read_small(&directory.join("rt_protos")) {
        files.push(text);
    }
    let mut names: Vec<_> = std::fs::read_dir(directory.join("rt_protos.d"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "conf"))
        .collect();
    names.sort();
    files.extend(names.iter().filter_map(|path| read_small(path)));
    files
}

fn read_small(path: &Path) -> Option<String> {
    let text = std::fs::read(path).ok()?;
    (text.len() <= FILE_LIMIT).then(|| String::from_utf8_lossy(&text).into_owned())
}

/// The number a table gives `name`, its last entry winning; lines are
/// `<number> <name>`, `#` starts a comment.
fn lookup(table: &str, name: &str) -> Option<u8> {
    table
        .lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let number = number(words.next()?)??;
            (words.next()? == name).then_some(number)
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_built_in_names() {
        assert_eq!(parse("0").unwrap(), 0);
        assert_eq!(parse("255").unwrap(), 255);
        assert_eq!(parse("0x10").unwrap(), 16);
        assert_eq!(parse("kernel").unwrap(), 2);
        assert_eq!(parse("static").unwrap(), 4);
        assert_eq!(parse("bgp").unwrap(), 186);
        for bad in [
            "256",
            "-1",
            "",
            "0x",
            "0x100",
            "kernal",
            "kernel ",
            "2a",
            "99999999999999999999",
        ] {
            let error = parse(bad).unwrap_err();
            assert_eq!(error.code, crate::ocf::ExitCode::ErrConfigured, "{bad}");
            assert!(error.reason.contains("Invalid proto"), "{bad}");
        }
    }

    #[test]
    fn tables_are_read_as_iproute2_reads_them() {
        let table = "# comment\n2\tkernel\n0x2a\tmine # mine\n200 mine\n\nbroken line\n";
        assert_eq!(lookup(table, "kernel"), Some(2));
        assert_eq!(lookup(table, "mine"), Some(200));
        assert_eq!(lookup(table, "comment"), None);
        assert_eq!(lookup(table, "line"), None);
    }
}
