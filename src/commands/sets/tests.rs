//! Unit tests of the set commands against replies captured from Redis 7.0.
