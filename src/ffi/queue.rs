//! C ABI for the queue structure (filled in by its issue).
