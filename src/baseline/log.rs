//! Mutex baseline for log (filled in by its issue).
