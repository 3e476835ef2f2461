//! The one wait of floatip: until a descriptor is readable or a deadline
//! passes.

use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::time::Instant;

/// Waits until `fd` is readable (or reports an error or hang-up, which a
/// read then returns), or `deadline` passes: `Ok(false)` on timeout. The
/// descriptor is looked at at least once, also when the deadline has
/// already passed, and an interrupted wait resumes.
pub fn wait_readable(fd: impl AsFd, deadline: Instant) -> io::Result<bool> {
    let mut poll = libc::pollfd {
        fd: fd.as_fd().as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // Rounded up, so that a wait never ends a little early and spins.
        let millis = left.as_micros().div_ceil(1000).min(i32::MAX as u128) as libc::c_int;
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready > 0 {
            return Ok(true);
        }
        if ready == 0 {
            if Instant::now() >= deadline {
                return Ok(false);
            }
            continue;
        }
        let error = io::Error::last_os_error();
        if error.kind() != io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    use std::time::Duration;

    #[test]
    fn readable_and_timeout() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let soon = Instant::now() + Duration::from_millis(20);
        assert!(
            !wait_readable(&b, soon).unwrap(),
            "nothing to read: times out"
        );
        assert!(Instant::now() >= soon, "never early");
        a.write_all(b"x").unwrap();
        assert!(
            wait_readable(&b, Instant::now()).unwrap(),
            "looked at once when already due"
        );
    }
}
