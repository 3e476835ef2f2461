//! The OCF meta-data, embedded so that `meta-data` needs no file, no
//! OCF_ROOT and no privileges.

pub const XML: &str = include_str!("../ocf-metadata/IPaddr2.xml");

#[cfg(test)]
mod tests {
    use super::XML;

    #[test]
    fn version_is_1_0() {
        assert!(XML.contains("<version>1.0</version>"));
    }
}
