//! C ABI for the routes structure (filled in by its issue).
