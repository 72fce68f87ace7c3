//! Statistics and the INFO command's sections.

pub mod sections;
pub mod stats;
