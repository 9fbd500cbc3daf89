// The ConsentCore module; see docs/ARCHITECTURE.md.
