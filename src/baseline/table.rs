//! Mutex baseline for table (filled in by its issue).
