//! Output files written atomically: a temporary file in the target folder,
//! renamed into place only when complete.
