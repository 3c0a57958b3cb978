/// The version string `GET /health` reports and `flint --version` prints.
public enum ServeVersion {
    /// Flint's release version.
    public static let current = "0.5.0"
}
