-- contingency schema, migration 0005: the notification register and the documents generated for it.
-- A notification is one version of one letter to one recipient; a new version is a new row, so what
-- was sent before is never overwritten (brief section 13). Documents record the SHA-256 of every file
-- generated, so what was sent can be proven later.

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    recipient_ref TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('council', 'cross-border', 'icb', 'cqc', 'person')),
    basis TEXT NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL CHECK (version >= 1),
    people TEXT NOT NULL DEFAULT '[]',
    roster_digest TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'generated', 'sent', 'acknowledged', 'chased', 'closed')),
    created_at TEXT NOT NULL,
    issued_at TEXT,
    reply_by TEXT,
    sent_channel TEXT NOT NULL DEFAULT '',
    sent_at TEXT,
    sent_by TEXT NOT NULL DEFAULT '',
    acknowledged_at TEXT,
    acknowledged_by TEXT NOT NULL DEFAULT '',
    reply_summary TEXT NOT NULL DEFAULT '',
    chase_count INTEGER NOT NULL DEFAULT 0 CHECK (chase_count >= 0),
    last_chased_at TEXT,
    out_of_date INTEGER NOT NULL DEFAULT 0 CHECK (out_of_date IN (0, 1)),
    UNIQUE (incident_id, recipient_ref, version)
) STRICT;
CREATE INDEX notifications_incident ON notifications(incident_id, recipient_ref, version);

CREATE TRIGGER notifications_are_kept BEFORE DELETE ON notifications
BEGIN SELECT RAISE(ABORT, 'notifications are never deleted; close them instead'); END;

CREATE TABLE notification_documents (
    id INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications(id),
    version INTEGER NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('pdf', 'docx')),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    generated_at TEXT NOT NULL,
    generated_by TEXT NOT NULL
) STRICT;
CREATE INDEX notification_documents_notification ON notification_documents(notification_id);

-- The proof of what was generated: never edited, never deleted.
CREATE TRIGGER notification_documents_are_immutable BEFORE UPDATE ON notification_documents
BEGIN SELECT RAISE(ABORT, 'generated documents are never edited; generate a new one'); END;
CREATE TRIGGER notification_documents_are_kept BEFORE DELETE ON notification_documents
BEGIN SELECT RAISE(ABORT, 'generated documents are never deleted'); END;
