//! Tests of the parser as a whole: literal inputs and the exact trees (with positions) or errors they give.

mod errors;
mod expressions;
mod helpers;
mod incomplete;
mod properties;
mod seeds;
mod structure;
mod where_clause;
mod words;
