//! C ABI for the procs structure (filled in by its issue).
