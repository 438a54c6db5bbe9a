//! C ABI for the lockdep structure (filled in by its issue).
