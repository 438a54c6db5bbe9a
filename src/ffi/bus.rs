//! C ABI for the bus structure (filled in by its issue).
