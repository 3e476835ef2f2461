//! Forcing the fallbacks: every kernel facility newer than floatip's
//! floor (see docs/testing.md, "Kernel floor") has a fallback, and a test must
//! be able to take it on a kernel that has the facility. The variable
//! `FLOATIP_TEST_FALLBACKS` names the facilities to act as missing,
//! comma-separated (`strict-check`, `pidfd`, `close-range`,
//! `bind-to-ifindex`, `netns-cookie`, and `sock-destroy`, which acts as a
//! kernel built without CONFIG_INET_DIAG_DESTROY); unset, as in
//! production, nothing is forced.

use std::sync::OnceLock;

const VARIABLE: &str = "FLOATIP_TEST_FALLBACKS";

/// Whether `facility` is to be treated as missing.
pub fn forced(facility: &str) -> bool {
    static FORCED: OnceLock<Vec<String>> = OnceLock::new();
    FORCED
        .get_or_init(|| {
            std::env::var(VARIABLE)
                .unwrap_or_default()
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .iter()
        .any(|f| f == facility)
}
