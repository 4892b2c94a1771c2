//! Compiling the object model into the running packet engine (being written).
