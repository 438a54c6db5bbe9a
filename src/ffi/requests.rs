//! C ABI for the requests structure (filled in by its issue).
