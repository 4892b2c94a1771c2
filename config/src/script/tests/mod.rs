//! Tests of the parser as a whole: literal inputs and the exact trees (with positions) or errors they give.

mod helpers;
mod words;
