//! The RouterOS script language: lexer and parser (being written).
