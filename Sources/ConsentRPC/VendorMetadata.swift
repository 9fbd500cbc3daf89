/// Call metadata by which a principal with the `vendor` role names the
/// consumer it acts for (issue 12, Altinn 3's `handledBy`). Read only from a
/// principal with that role; ignored from every other.
public enum VendorMetadata {
    /// The 9-digit organisation number of the consumer the vendor acts for;
    /// required in every call the vendor makes.
    public static let actingFor = "x-consent-acting-for"
}
