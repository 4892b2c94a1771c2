//! RouterOS value types: parsing, canonical form and formatting (being written).
