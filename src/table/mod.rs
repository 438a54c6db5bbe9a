//! RCU tables (filled in by its issue).
