print("consent-load")
