//! The config partition: baked config record and the two-slot persistent store (being written).
