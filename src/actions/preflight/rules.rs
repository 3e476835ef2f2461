//! Pacemaker's rules, as far as a configuration alone can decide them:
//! node expressions (`#uname`, `#id`, a node attribute) against one node,
//! combined with `and`/`or`, nested. Date expressions, resource and
//! operation expressions depend on the moment or the action: they are
//! [`Verdict::Unknown`], and preflight says it took them as applying.

use std::collections::BTreeMap;

use roxmltree::Node;

/// One node of the cluster: its name and attributes (`#uname`, `#id`
/// included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFacts {
    pub uname: String,
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Applies,
    DoesNot,
    Unknown,
}

/// Whether a rule looks at node attributes (so its answer differs per
/// node).
pub fn names_a_node(rule: Node) -> bool {
    rule.descendants().any(|n| n.has_tag_name("expression"))
}

/// `rule` for `node` (`None`: no node known, so node expressions are
/// unknown). `resolve` follows id-refs.
pub fn evaluate<'a, 'i>(
    rule: Node<'a, 'i>,
    node: Option<&NodeFacts>,
    resolve: &dyn Fn(Node<'a, 'i>) -> Node<'a, 'i>,
) -> Verdict {
    let rule = resolve(rule);
    let or = rule.attribute("boolean-op") == Some("or");
    let mut verdicts = rule.children().filter(Node::is_element).map(|part| {
        let part = resolve(part);
        match part.tag_name().name() {
            "rule" => evaluate(part, node, resolve),
            "expression" => expression(part, node),
            _ => Verdict::Unknown,
        }
    });
    if or {
        verdicts.fold(Verdict::DoesNot, |acc, v| match (acc, v) {
            (Verdict::Applies, _) | (_, Verdict::Applies) => Verdict::Applies,
            (Verdict::Unknown, _) | (_, Verdict::Unknown) => Verdict::Unknown,
            _ => Verdict::DoesNot,
        })
    } else {
        verdicts
            .try_fold(Verdict::Applies, |acc, v| match (acc, v) {
                (_, Verdict::DoesNot) => Err(Verdict::DoesNot),
                (Verdict::Unknown, _) | (_, Verdict::Unknown) => Ok(Verdict::Unknown),
                _ => Ok(Verdict::Applies),
            })
            .unwrap_or_else(|v| v)
    }
}

fn expression(expression: Node, node: Option<&NodeFacts>) -> Verdict {
    let Some(node) = node else {
        return Verdict::Unknown;
    };
    let Some(attribute) = expression.attribute("attribute") else {
        return Verdict::Unknown;
    };
    let have = node.attributes.get(attribute);
    let want = expression.attribute("value");
    let numeric = expression.attribute("type") == Some("number")
        || expression.attribute("type") == Some("integer");
    let compare = |ordering: fn(std::cmp::Ordering) -> bool| -> Verdict {
        match (have, want) {
            (Some(have), Some(want)) => {
                let order = if numeric {
                    match (have.parse::<f64>(), want.parse::<f64>()) {
                        (Ok(a), Ok(b)) => a.partial_cmp(&b),
                        _ => None,
                    }
                } else {
                    Some(have.as_str().cmp(want))
                };
                match order {
                    Some(o) if ordering(o) => Verdict::Applies,
                    Some(_) => Verdict::DoesNot,
                    None => Verdict::Unknown,
                }
            }
            (None, _) => Verdict::DoesNot,
            (_, None) => Verdict::Unknown,
        }
    };
    let applies = |yes: bool| {
        if yes {
            Verdict::Applies
        } else {
            Verdict::DoesNot
        }
    };
    match expression.attribute("operation").unwrap_or("eq") {
        "defined" => applies(have.is_some()),
        "not_defined" => applies(have.is_none()),
        "eq" => compare(|o| o.is_eq()),
        "ne" => match compare(|o| o.is_eq()) {
            Verdict::Applies => Verdict::DoesNot,
            Verdict::DoesNot => Verdict::Applies,
            Verdict::Unknown => Verdict::Unknown,
        },
        "lt" => compare(|o| o.is_lt()),
        "lte" => compare(|o| o.is_le()),
        "gt" => compare(|o| o.is_gt()),
        "gte" => compare(|o| o.is_ge()),
        _ => Verdict::Unknown,
    }
}

/// A set's score: a number, or ±INFINITY.
pub fn score(text: &str) -> i64 {
    match text.trim() {
        "INFINITY" | "+INFINITY" => 1_000_000,
        "-INFINITY" => -1_000_000,
        number => number.parse().unwrap_or(0),
    }
}

/// An operation interval of zero (a probe or a one-off), in any spelling
/// Pacemaker takes: "0", "0s", "0ms", "PT0S".
pub fn is_zero_interval(text: &str) -> bool {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.chars().all(|c| c == '0')
}

#[cfg(test)]
mod tests {
    use super::*;
    use roxmltree::Document;

    fn facts(uname: &str, extra: &[(&str, &str)]) -> NodeFacts {
        let mut attributes: BTreeMap<String, String> = extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        attributes.insert("#uname".into(), uname.into());
        NodeFacts {
            uname: uname.into(),
            attributes,
        }
    }

    fn verdict(xml: &str, node: Option<&NodeFacts>) -> Verdict {
        let document = Document::parse(xml).unwrap();
        evaluate(document.root_element(), node, &|n| n)
    }

    #[test]
    fn node_expressions() {
        let one = facts("node1", &[("site", "a"), ("weight", "10")]);
        let two = facts("node2", &[("site", "b")]);
        let by_name = r##"<rule id="r"><expression id="e" attribute="#uname" operation="eq" value="node1"/></rule>"##;
        assert_eq!(verdict(by_name, Some(&one)), Verdict::Applies);
        assert_eq!(verdict(by_name, Some(&two)), Verdict::DoesNot);
        assert_eq!(verdict(by_name, None), Verdict::Unknown);
        let either = r##"<rule id="r" boolean-op="or">
            <expression id="a" attribute="site" operation="eq" value="b"/>
            <expression id="b" attribute="weight" operation="gt" value="5" type="number"/></rule>"##;
        assert_eq!(verdict(either, Some(&one)), Verdict::Applies);
        assert_eq!(verdict(either, Some(&two)), Verdict::Applies);
        let both = r##"<rule id="r">
            <expression id="a" attribute="site" operation="defined"/>
            <rule id="n"><expression id="b" attribute="#uname" operation="ne" value="node1"/></rule></rule>"##;
        assert_eq!(verdict(both, Some(&one)), Verdict::DoesNot);
        assert_eq!(verdict(both, Some(&two)), Verdict::Applies);
        let dated =
            r##"<rule id="r"><date_expression id="d" operation="gt" start="2026-01-01"/></rule>"##;
        assert_eq!(verdict(dated, Some(&one)), Verdict::Unknown);
    }

    #[test]
    fn scores_and_intervals() {
        assert_eq!(score("INFINITY"), 1_000_000);
        assert_eq!(score("-INFINITY"), -1_000_000);
        assert_eq!(score("10"), 10);
        assert!(is_zero_interval("0") && is_zero_interval("0s") && is_zero_interval("PT0S"));
        assert!(!is_zero_interval("10s"));
    }
}
