// The ConsentToken module; see docs/ARCHITECTURE.md.
