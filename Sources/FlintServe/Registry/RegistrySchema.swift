import GRDB

/// The registry's SQLite index (`<root>/index.sqlite`), created and upgraded by a `DatabaseMigrator`.
///
/// - `model`: one row per name ever pushed; `last_version` only grows, so versions are never reused,
///   even after every version of a name is removed.
/// - `model_version`: one row per version, with its metadata (labels and metrics as JSON text).
/// - `version_file`: every file of a version with size and SHA-256 (deleted with the version).
/// - `alias`: `(name, alias) → version`; a version with an alias cannot be deleted (foreign key).
///
/// Migration `v2` adds `model_version.format` (`huggingface` for a model folder, `gguf` for a GGUF file;
/// versions pushed before are folders) and `model_version.gguf` (the GGUF header's description as JSON
/// text, ``RegistryGGUFDescription``; null for folders).
enum RegistrySchema {
    /// The migrations, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE model (
                    name TEXT PRIMARY KEY NOT NULL,
                    last_version INTEGER NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE model_version (
                    name TEXT NOT NULL REFERENCES model(name),
                    version INTEGER NOT NULL,
                    created_at TEXT NOT NULL,
                    source_path TEXT NOT NULL,
                    total_bytes INTEGER NOT NULL,
                    task TEXT NOT NULL,
                    labels TEXT,
                    metrics TEXT NOT NULL,
                    training_run TEXT,
                    data_sha256 TEXT,
                    PRIMARY KEY (name, version)
                );
                CREATE TABLE version_file (
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    sha256 TEXT NOT NULL,
                    PRIMARY KEY (name, version, path),
                    FOREIGN KEY (name, version) REFERENCES model_version(name, version) ON DELETE CASCADE
                );
                CREATE TABLE alias (
                    name TEXT NOT NULL,
                    alias TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (name, alias),
                    FOREIGN KEY (name, version) REFERENCES model_version(name, version)
                );
                CREATE INDEX alias_target ON alias(name, version);
                """)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE model_version ADD COLUMN format TEXT NOT NULL DEFAULT 'huggingface';
                ALTER TABLE model_version ADD COLUMN gguf TEXT;
                """)
        }
        return migrator
    }
}
