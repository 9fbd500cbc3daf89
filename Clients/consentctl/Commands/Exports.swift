// The command framework lives in the ConsentCLI library (Clients/consentctl/Framework)
// so that consent-load shares it and tests can reach it; re-exporting it keeps
// every command file free of the import.
@_exported import ConsentCLI
