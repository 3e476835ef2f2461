//! Packaging: the reversible in-place replacement of the stock agent,
//! exercised on a scratch root (dpkg-divert --root), so the machine's real
//! ocf:heartbeat:IPaddr2 is never touched and the side-by-side comparisons
//! running at the same time never compare floatip with itself.

use std::path::Path;
use std::process::Command;

use libtest_mimic::Trial;

use crate::support::{floatip, tempdir::TempDir, STOCK_AGENT};
use crate::trial;

pub fn trials() -> Vec<Trial> {
    vec![trial(
        "packaging::replacing_the_stock_agent_is_reversible",
        replacing_the_stock_agent_is_reversible,
    )]
}

const AGENT: &str = "usr/lib/ocf/resource.d/heartbeat/IPaddr2";

fn replace(action: &str, root: &Path) -> std::process::Output {
    Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/packaging/replace-stock-ipaddr2"
    ))
    .args([action, "--root"])
    .arg(root)
    .output()
    .expect("replace-stock-ipaddr2")
}

fn replacing_the_stock_agent_is_reversible() {
    let dir = TempDir::new();
    let root = dir.path();
    for sub in [
        "usr/lib/ocf/resource.d/heartbeat",
        "usr/sbin",
        "var/lib/dpkg/info",
        "var/lib/dpkg/updates",
    ] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    std::fs::write(root.join("var/lib/dpkg/diversions"), "").unwrap();
    std::fs::copy(STOCK_AGENT, root.join(AGENT)).unwrap();
    std::fs::copy(floatip(), root.join("usr/sbin/floatip")).unwrap();
    let stock = std::fs::read(STOCK_AGENT).unwrap();

    for _ in 0..2 {
        let out = replace("install", root);
        assert!(out.status.success(), "{out:?}");
    }
    assert_eq!(
        std::fs::read_link(root.join(AGENT)).unwrap(),
        Path::new("/usr/sbin/floatip")
    );
    assert_eq!(
        std::fs::read(root.join(format!("{AGENT}.stock"))).unwrap(),
        stock,
        "the stock agent is kept aside"
    );
    assert_eq!(
        String::from_utf8_lossy(&replace("status", root).stdout).trim(),
        "replaced by floatip"
    );
    let diversions = std::fs::read_to_string(root.join("var/lib/dpkg/diversions")).unwrap();
    assert!(
        diversions.contains("/usr/lib/ocf/resource.d/heartbeat/IPaddr2"),
        "{diversions}"
    );

    for _ in 0..2 {
        let out = replace("remove", root);
        assert!(out.status.success(), "{out:?}");
    }
    assert_eq!(
        std::fs::read(root.join(AGENT)).unwrap(),
        stock,
        "the stock agent is back, byte for byte"
    );
    assert!(!root.join(format!("{AGENT}.stock")).exists());
    assert_eq!(
        String::from_utf8_lossy(&replace("status", root).stdout).trim(),
        "stock"
    );
    assert_eq!(
        std::fs::read(STOCK_AGENT).unwrap(),
        stock,
        "the machine's own agent was never touched"
    );
}
