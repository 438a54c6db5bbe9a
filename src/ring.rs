//! Sequence ring shared by the log store and the request log (filled in by the log store issue).
