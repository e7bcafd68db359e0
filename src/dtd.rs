//! The DTD model: reading the bundled `schemas/*.dtd` files and validating documents against them.

/// Returns the text of a bundled DTD by name (`ip_map_list`, `ip_map_list_output`
/// or `simple_return`, with or without `.dtd`).
pub fn bundled_text(_name: &str) -> Option<&'static str> {
    None
}

/// The names of the bundled DTDs.
pub const BUNDLED: &[&str] = &["ip_map_list", "ip_map_list_output", "simple_return"];
