// The ConsentTesting module; see docs/ARCHITECTURE.md.
