//! Unit tests of the hash commands against replies captured from Redis 7.0.
