//! C ABI for the log structure (filled in by its issue).
