//! Mutex baseline for event (filled in by its issue).
