print("consentd")
