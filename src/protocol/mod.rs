//! RESP2/RESP3 wire protocol: the request parser and the reply writer.
//!
//! This module knows nothing of commands, shards or clients (like Dragonfly's
//! facade): it turns bytes into argument vectors and replies into bytes.
//!
//! - [`parse`]: incremental, zero-copy request parser (multibulk and inline),
//!   resumable at any byte, with Redis' limits and error texts.
//! - [`encode`]: [`ReplyWriter`], which appends replies to an output buffer
//!   in the protocol version the client negotiated (RESP3 types are
//!   downgraded to their RESP2 forms for RESP2 clients).

pub mod encode;
pub mod parse;

pub use encode::{Protocol, ReplyWriter};
pub use parse::{ParseError, ParseLimits, RequestParser};
