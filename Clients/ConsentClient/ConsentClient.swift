// ConsentClient
