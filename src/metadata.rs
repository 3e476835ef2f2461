//! The OCF meta-data, embedded so that `meta-data` needs no file, no
//! OCF_ROOT and no privileges.

pub const XML: &str = include_str!("../ocf-metadata/IPaddr2.xml");

#[cfg(test)]
mod tests {
    use super::XML;
    use crate::config::PARAMETERS;

    /// (name, content type, default) of every `<parameter>` in the XML.
    fn declared() -> Vec<(String, String, String)> {
        XML.split("<parameter ")
            .skip(1)
            .map(|chunk| {
                let attr = |text: &str, key: &str| {
                    let start = text.find(&format!("{key}=\"")).map(|i| i + key.len() + 2)?;
                    let end = text[start..].find('"')? + start;
                    Some(text[start..end].to_owned())
                };
                let name = attr(chunk, "name").expect("parameter name");
                let content = &chunk[chunk.find("<content").expect("content")..];
                let kind = attr(content, "type").expect("content type");
                let default =
                    attr(content.split('>').next().unwrap(), "default").unwrap_or_default();
                (name, kind, default)
            })
            .collect()
    }

    #[test]
    fn xml_and_parser_agree() {
        let declared = declared();
        assert_eq!(declared.len(), PARAMETERS.len(), "{declared:?}");
        for spec in PARAMETERS {
            let (_, kind, default) = declared
                .iter()
                .find(|(name, _, _)| name == spec.name)
                .unwrap_or_else(|| panic!("{} missing from the meta-data", spec.name));
            assert_eq!(kind, spec.kind.as_str(), "{}", spec.name);
            assert_eq!(default, spec.default, "{}", spec.name);
        }
    }

    #[test]
    fn version_is_1_0() {
        assert!(XML.contains("<version>1.0</version>"));
    }
}
