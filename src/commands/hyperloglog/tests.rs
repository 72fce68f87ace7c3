//! Unit tests of the HyperLogLog commands.
