//! Master-replica replication: the process-wide stream (replication id,
//! offset, backlog) and the backlog ring partial resynchronization reads
//! from. The stream's content is the write journal ([`crate::journal`]).

pub mod backlog;
pub mod master;
pub mod replica;
pub mod role;
pub mod stream;
