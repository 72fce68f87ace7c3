//! Statistics and the INFO command's sections.

pub mod stats;
