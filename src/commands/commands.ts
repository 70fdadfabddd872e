// Placeholder entry until the ribbon command lands.
export {};
