//! The log store (filled in by its issue). Detection lives in `enrich`, `urls`, `errors`.

pub mod enrich;
pub mod errors;
pub mod urls;
