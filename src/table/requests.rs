//! The request log (filled in below).
