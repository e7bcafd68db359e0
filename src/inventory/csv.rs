//! CSV inventory reader.

use std::sync::Arc;

use super::{Inventory, InventoryOptions};
use crate::source::SourceFile;

/// Reads a CSV inventory. Every bad row becomes a diagnostic; valid rows become records.
pub fn read_csv(_file: Arc<SourceFile>, _options: &InventoryOptions, _inventory: &mut Inventory) {
    todo!("CSV reader")
}
