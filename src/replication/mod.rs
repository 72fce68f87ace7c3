//! Master-replica replication (in progress): the backlog that partial
//! resynchronization reads from. The stream itself is the write journal
//! ([`crate::journal`]).

pub mod backlog;
