//! The object model: menus, items, properties (being written).
