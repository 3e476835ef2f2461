//! `floatip preflight`: what an operator sees for a CIB before switching
//! its IPaddr2 resources, and the exit code a script acts on. The CIBs are
//! Pacemaker's own export format (tests/fixtures/cib/: one exported from
//! the cluster test's real cluster, and hostile inputs).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use libtest_mimic::Trial;

use crate::support::{floatip, Node};

pub fn trials() -> Vec<Trial> {
    trials!("preflight":
        a_real_cluster_export_is_read,
        refused_different_and_unchanged_set_the_exit_code,
        json_for_scripts,
        stdin_and_bad_input,
        local_checks_this_node,
    )
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cib");

struct Answer {
    code: i32,
    stdout: String,
    stderr: String,
}

fn preflight(args: &[&str], stdin: Option<&str>) -> Answer {
    let mut child = Command::new(floatip())
        .arg("preflight")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        let _ = input.write_all(text.as_bytes());
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    Answer {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn fixture(name: &str) -> String {
    Path::new(FIXTURES).join(name).display().to_string()
}

/// A CIB exported with `cibadmin --query` from the cluster test's cluster
/// (Pacemaker 2.1, pcs-made resources): a floatip VIP in a group with an
/// app, and a stock VIP in a group of its own.
fn a_real_cluster_export_is_read() {
    let answer = preflight(&["--cib", &fixture("exported.xml")], None);
    assert_eq!(answer.code, 3, "{} {}", answer.stdout, answer.stderr);
    assert!(
        answer
            .stdout
            .contains("vip (ocf:floatip:IPaddr2, group web)\n  unchanged"),
        "{}",
        answer.stdout
    );
    assert!(
        answer
            .stdout
            .contains("stockvip (ocf:heartbeat:IPaddr2, group stockweb)"),
        "{}",
        answer.stdout
    );
    assert!(answer.stdout.contains(
        "switch: cibadmin --modify --xml-text '<primitive id=\"stockvip\" provider=\"floatip\"/>'"
    ));
    assert!(answer.stdout.contains("unconditional differences"));
}

fn refused_different_and_unchanged_set_the_exit_code() {
    let all = preflight(&["--cib", &fixture("mixed.xml")], None);
    assert_eq!(all.code, 1, "{}", all.stdout);
    let text = &all.stdout;
    assert!(
        text.contains("bad (ocf:heartbeat:IPaddr2, top level)"),
        "{text}"
    );
    assert!(
        text.contains("refused: exit 6 (OCF_ERR_CONFIGURED): Invalid netmask specification [99]"),
        "{text}"
    );
    assert!(
        text.contains("paced (ocf:heartbeat:IPaddr2, top level)"),
        "{text}"
    );
    assert!(text.contains("read differently:"), "{text}");
    assert!(
        text.contains("garp_rate paces every announcement frame"),
        "{text}"
    );
    assert!(
        text.contains("plain (ocf:heartbeat:IPaddr2, group web)\n  read differently"),
        "{text}"
    );
    assert!(
        text.contains("refused on node2: exit 6"),
        "per node: {text}"
    );
    assert!(text.contains("unchanged on node1"), "per node: {text}");
    assert!(
        text.contains("password: secret (lrm://), not checked"),
        "{text}"
    );
    assert!(
        text.contains("bundle httpd creates IPaddr2 resources itself"),
        "{text}"
    );
    let different = preflight(&["--cib", &fixture("different.xml")], None);
    assert_eq!(different.code, 3, "{}", different.stdout);
    let unchanged = preflight(&["--cib", &fixture("unchanged.xml")], None);
    assert_eq!(unchanged.code, 0, "{}", unchanged.stdout);
}

fn json_for_scripts() {
    let answer = preflight(&["--cib", &fixture("mixed.xml"), "--json"], None);
    assert_eq!(answer.code, 1);
    let json: serde_json::Value = serde_json::from_str(&answer.stdout).expect("valid JSON");
    let resources = json["resources"].as_array().unwrap();
    let bad = resources.iter().find(|r| r["id"] == "bad").unwrap();
    assert_eq!(bad["judgements"][0]["verdict"], "refused");
    assert_eq!(bad["judgements"][0]["code"], 6);
    assert_eq!(json["implicit_bundles"][0]["bundle"], "httpd");
    assert!(json["unconditional_differences"].as_u64().unwrap() > 0);
}

fn stdin_and_bad_input() {
    let text = std::fs::read_to_string(fixture("unchanged.xml")).unwrap();
    assert_eq!(preflight(&["--cib", "-"], Some(&text)).code, 0);
    for (input, why) in [
        ("<html/>", "not <cib>"),
        ("not xml at all", "not well-formed"),
        (
            r#"<!DOCTYPE cib [<!ENTITY x SYSTEM "file:///etc/passwd">]><cib>&x;</cib>"#,
            "DTD",
        ),
    ] {
        let answer = preflight(&["--cib", "-"], Some(input));
        assert_eq!(answer.code, 2, "{input}");
        assert!(answer.stderr.contains(why), "{}", answer.stderr);
    }
    let missing = preflight(&["--cib", "/nonexistent/cib.xml"], None);
    assert_eq!(missing.code, 2);
    assert_eq!(preflight(&[], None).code, 2, "--cib is required");
}

/// --local asks this node: the nic of one resource is not here.
fn local_checks_this_node() {
    let node = Node::with_base();
    let cib = fixture("local.xml");
    let run = |local: bool| {
        let mut command = node
            .agent(&floatip(), "preflight")
            .args(["--cib", cib.as_str()]);
        if local {
            command = command.args(["--local"]);
        }
        command.run()
    };
    let values = run(false);
    assert_eq!(values.code, 0, "{}", values.stdout);
    let local = run(true);
    assert_eq!(local.code, 1, "{}", local.stdout);
    assert!(
        local
            .stdout
            .contains("elsewhere (ocf:floatip:IPaddr2, top level)\n  refused: exit 6"),
        "{}",
        local.stdout
    );
    assert!(
        local.stdout.contains("nic names no interface on this node"),
        "{}",
        local.stdout
    );
    assert!(
        local
            .stdout
            .contains("here (ocf:floatip:IPaddr2, top level)\n  unchanged"),
        "{}",
        local.stdout
    );
}
