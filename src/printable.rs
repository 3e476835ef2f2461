//! Text that is safe to print: what floatip writes to a terminal, a log
//! file, syslog or an exit reason never carries a control byte (an
//! interface name may hold ESC, a label a newline) or invalid UTF-8.
//! Each such byte is shown as `\xNN`; everything else as it is.

use std::borrow::Cow;
use std::fmt::Write;

/// `bytes` as printable text: valid UTF-8 stays, control characters
/// (C0, DEL, C1) and bytes that are not UTF-8 become `\xNN`, byte by byte.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        push_escaped(&mut out, chunk.valid());
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// `text` with its control characters shown as `\xNN` (borrowed when it
/// has none, which is nearly always).
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    push_escaped(&mut out, text);
    Cow::Owned(out)
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_control() {
            let mut utf8 = [0u8; 4];
            for byte in c.encode_utf8(&mut utf8).bytes() {
                let _ = write!(out, "\\x{byte:02x}");
            }
        } else {
            out.push(c);
        }
    }
}

/// Lower-case hex of every byte, for machine readers (JSON's `*_hex`).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// A JSON string literal (RFC 8259 §7).
pub fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_bytes_and_invalid_utf8_are_shown_as_hex() {
        assert_eq!(escape_bytes(b"eth0"), "eth0");
        assert_eq!(escape_bytes(b"caf\xe9"), "caf\\xe9");
        assert_eq!(escape_bytes(b"x\xff\x1b[31m"), "x\\xff\\x1b[31m");
        assert_eq!(escape_bytes("café".as_bytes()), "café");
        // C1 controls are UTF-8 but still not printable.
        assert_eq!(escape_bytes("a\u{85}b".as_bytes()), "a\\xc2\\x85b");
        assert_eq!(escape("line\nbreak\t"), "line\\x0abreak\\x09");
        assert!(matches!(escape("plain text"), Cow::Borrowed(_)));
        assert_eq!(hex(b"\x00\xffA"), "00ff41");
    }
}
