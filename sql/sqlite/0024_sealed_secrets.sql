-- The reviewers' TOTP secrets are sealed (AES-256-GCM) with a key kept
-- outside the database (the server's secret key file or environment).
-- Rows written before are marked unsealed; the server seals them when it
-- starts with its key (store.UseSecretKey), and writes none unsealed.
ALTER TABLE reviewers ADD COLUMN totp_sealed BOOLEAN NOT NULL DEFAULT FALSE;
