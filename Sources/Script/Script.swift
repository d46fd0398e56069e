// The Script module.
