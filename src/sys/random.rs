//! Random bytes from the kernel (getrandom(2)), for nonces.

use std::time::{SystemTime, UNIX_EPOCH};

/// Six random octets: a DAD probe's nonce (RFC 7527). Should the kernel
/// not answer, the clock and the pid stand in: a nonce need only differ
/// from another node's.
pub fn nonce() -> [u8; 6] {
    let mut bytes = [0u8; 6];
    // SAFETY: getrandom writes at most bytes.len() bytes into the buffer.
    let got = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if got != bytes.len() as isize {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64;
        let mixed = now ^ (u64::from(std::process::id()) << 32);
        bytes.copy_from_slice(&mixed.to_be_bytes()[2..]);
    }
    bytes
}

#[cfg(test)]
mod tests {
    #[test]
    fn nonces_differ() {
        assert_ne!(super::nonce(), super::nonce());
    }
}
