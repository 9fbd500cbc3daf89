// The ConsentStore module; see docs/ARCHITECTURE.md.
