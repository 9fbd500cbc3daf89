// The ConsentServer module; see docs/ARCHITECTURE.md.
