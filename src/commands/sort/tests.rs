//! Unit tests of SORT and SORT_RO.
