//! JSON and JSON Lines inventory reader.

use std::sync::Arc;

use super::{InputFormat, Inventory, InventoryOptions};
use crate::source::SourceFile;

/// Reads a JSON array of objects or JSON Lines. Every bad object becomes a
/// diagnostic; valid objects become records.
pub fn read_json(
    _file: Arc<SourceFile>,
    _format: InputFormat,
    _options: &InventoryOptions,
    _inventory: &mut Inventory,
) {
    todo!("JSON reader")
}
