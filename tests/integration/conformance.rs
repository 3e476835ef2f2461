//! The field's own checks: ocf-tester against floatip and the stock agent,
//! the meta-data against ra-api-1.dtd and metadata.rng, and proof that no
//! action starts another program.

use std::path::Path;
use std::process::Command;

use libtest_mimic::Trial;

use crate::support::{floatip, Node, Run, STOCK_AGENT};
use crate::trial;

pub fn trials() -> Vec<Trial> {
    vec![
        trial("conformance::ocf_tester_floatip", || ocf_tester(&floatip())),
        trial("conformance::ocf_tester_stock", || {
            ocf_tester(Path::new(STOCK_AGENT))
        }),
        trial(
            "conformance::meta_data_validates_against_dtd",
            meta_data_validates_against_dtd,
        ),
        trial(
            "conformance::meta_data_validates_against_rng",
            meta_data_validates_against_rng,
        ),
        trial(
            "conformance::no_action_starts_another_program",
            no_action_starts_another_program,
        ),
    ]
}

fn ocf_tester(agent: &Path) {
    let node = Node::with_base();
    let output = Command::new("ip")
        .args([
            "netns",
            "exec",
            &node.ns.name,
            "ocf-tester",
            "-n",
            "vip",
            "-o",
            "ip=192.0.2.10",
            "-o",
            "cidr_netmask=24",
        ])
        .arg(agent)
        .env("HA_RSCTMP", node.rsctmp.path())
        .output()
        .expect("ocf-tester");
    let run = Run::from(output);
    assert_eq!(
        run.code,
        0,
        "ocf-tester failed for {}:\n{}{}",
        agent.display(),
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.contains("passed all tests"), "{}", run.stdout);
    // ocf-tester asks for reload on a stopped resource: floatip answers as
    // monitor (7), the stock agent, which has none, 3.
    let unsupported = run.stdout.contains("does not support the reload action");
    assert_eq!(
        unsupported,
        agent == Path::new(STOCK_AGENT),
        "{}",
        run.stdout
    );
    assert!(
        node.ns.find("192.0.2.10").is_empty(),
        "ocf-tester ends with a stop"
    );
}

fn meta_data() -> String {
    let output = Command::new(floatip())
        .arg("meta-data")
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).unwrap()
}

fn xmllint(args: &[&str]) -> Run {
    use std::io::Write;
    let mut child = Command::new("xmllint")
        .args(["--noout", "--nonet", "--path", "/usr/share/resource-agents"])
        .args(args)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("xmllint (libxml2-utils)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(meta_data().as_bytes())
        .unwrap();
    child.wait_with_output().unwrap().into()
}

fn meta_data_validates_against_dtd() {
    let run = xmllint(&["--dtdvalid", "/usr/share/resource-agents/ra-api-1.dtd"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // ocf-tester's own check: the DOCTYPE's DTD, found on the path.
    let run = xmllint(&["--valid"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

fn meta_data_validates_against_rng() {
    let run = xmllint(&["--relaxng", "/usr/share/resource-agents/metadata.rng"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("validates"), "{}", run.stderr);
}

/// strace follows every process floatip could start; the only execve must
/// be floatip's own.
fn no_action_starts_another_program() {
    let node = Node::with_base();
    let trace_dir = crate::support::tempdir::TempDir::new();
    let actions = [
        "validate-all",
        "start",
        "monitor",
        "status",
        "stop",
        "meta-data",
    ];
    for action in actions {
        let trace = trace_dir.path().join(action);
        let output = node
            .agent(&floatip(), action)
            .param("ip", "192.0.2.10")
            .traced("execve,execveat", &trace)
            .command()
            .output()
            .expect("strace");
        assert!(
            output.status.code().is_some_and(|c| c == 0 || c == 7),
            "{action}: {output:?}"
        );
        let text = std::fs::read_to_string(&trace).unwrap();
        let execs: Vec<&str> = text.lines().filter(|l| l.contains("execve")).collect();
        assert_eq!(execs.len(), 1, "{action} started other programs:\n{text}");
        assert!(
            execs[0].contains(&floatip().display().to_string()),
            "{}",
            execs[0]
        );
    }
}
