/**
 * SQLite schema migrations, applied in order; PRAGMA user_version records the last one applied.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE domains (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,
    domain_id INTEGER NOT NULL REFERENCES domains(id),
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    cram_secret TEXT,
    scram TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE aliases (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    domain_id INTEGER NOT NULL REFERENCES domains(id),
    targets TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE alias_targets (
    alias_id INTEGER NOT NULL REFERENCES aliases(id) ON DELETE CASCADE,
    target TEXT NOT NULL,
    PRIMARY KEY (alias_id, target)
  );
  CREATE INDEX alias_targets_target ON alias_targets(target);
  CREATE TABLE mailboxes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    special_use TEXT,
    uid_validity INTEGER NOT NULL,
    uid_next INTEGER NOT NULL DEFAULT 1,
    highest_modseq INTEGER NOT NULL DEFAULT 1,
    subscribed INTEGER NOT NULL DEFAULT 1,
    UNIQUE (user_id, name)
  );
  CREATE TABLE blobs (
    id INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    data BLOB,
    path TEXT,
    refs INTEGER NOT NULL
  );
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL,
    blob_id INTEGER NOT NULL REFERENCES blobs(id),
    flags TEXT NOT NULL DEFAULT '',
    internal_date INTEGER NOT NULL,
    size INTEGER NOT NULL,
    modseq INTEGER NOT NULL DEFAULT 1,
    UNIQUE (mailbox_id, uid)
  );
  CREATE TABLE queue (
    id INTEGER PRIMARY KEY,
    blob_id INTEGER NOT NULL REFERENCES blobs(id),
    mail_from TEXT NOT NULL,
    domain TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX queue_next ON queue(next_attempt_at);
  CREATE TABLE queue_recipients (
    queue_id INTEGER NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    last_reply TEXT,
    PRIMARY KEY (queue_id, address)
  );
  `,
  // 2: outbound delivery (issue 4): queue leases and per-recipient outcomes, the delivery log,
  // DKIM signing keys.
  `
  ALTER TABLE queue ADD COLUMN lease_owner TEXT;
  ALTER TABLE queue ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE queue ADD COLUMN last_error TEXT;
  ALTER TABLE queue ADD COLUMN warned_at INTEGER;
  ALTER TABLE queue_recipients ADD COLUMN status_code TEXT;
  ALTER TABLE queue_recipients ADD COLUMN remote_mta TEXT;
  ALTER TABLE queue_recipients ADD COLUMN tls TEXT;
  ALTER TABLE queue_recipients ADD COLUMN notified INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE queue_recipients ADD COLUMN updated_at INTEGER;
  CREATE TABLE delivery_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    queue_id INTEGER NOT NULL,
    mail_from TEXT NOT NULL,
    recipient TEXT NOT NULL,
    result TEXT NOT NULL,
    status_code TEXT NOT NULL,
    reply TEXT NOT NULL,
    remote_mta TEXT,
    tls TEXT
  );
  CREATE INDEX delivery_log_queue ON delivery_log(queue_id);
  -- queue ids are never reused (the delivery log refers to them after an entry is retired)
  CREATE TABLE queue_seq (last INTEGER NOT NULL);
  INSERT INTO queue_seq (last) SELECT coalesce(max(id), 0) FROM queue;
  CREATE TABLE dkim_keys (
    id INTEGER PRIMARY KEY,
    domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    selector TEXT NOT NULL,
    algorithm TEXT NOT NULL,
    private_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    UNIQUE (domain_id, selector)
  );
  `,
  // 3: IMAP (issue 3): the MIME structure (ENVELOPE, BODYSTRUCTURE, part offsets) of each blob,
  // computed once at delivery/APPEND (or lazily for older rows and saved); the last UIDVALIDITY
  // issued, so a mailbox re-created under an old name never gets its old value back.
  `
  ALTER TABLE blobs ADD COLUMN structure TEXT;
  CREATE TABLE uid_validity_issued (last INTEGER NOT NULL);
  INSERT INTO uid_validity_issued (last) SELECT coalesce(max(uid_validity), 0) FROM mailboxes;
  `,
  // 4: IMAP speed (store/derived.ts): the wire form of ENVELOPE and SEARCH's decoded, lower-cased
  // SUBJECT/FROM/TO/CC/BCC per blob, derived from the structure at ingest (or lazily: no row, or
  // a row of another version, until then), so FETCH ENVELOPE and SEARCH SUBJECT parse no
  // structure per message. A table of its own, not columns of blobs: a blob row holds the message
  // and its structure, and reading a column behind those walks their overflow pages. UNSEEN (the
  // common flag search) reads a partial covering index of the unseen messages only; the WHERE
  // term must stay identical to SqliteImap.uidsByFlags's UNSEEN query for the planner to use it.
  `
  CREATE TABLE blob_fields (
    blob_id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    envelope TEXT,
    h_subject TEXT,
    h_from TEXT,
    h_to TEXT,
    h_cc TEXT,
    h_bcc TEXT
  );
  CREATE TRIGGER blob_fields_gc AFTER DELETE ON blobs BEGIN DELETE FROM blob_fields WHERE blob_id = old.id; END;
  CREATE INDEX messages_unseen ON messages(mailbox_id, uid, flags) WHERE instr(' ' || lower(flags) || ' ', ' \\seen ') = 0;
  `,
  // 5: the Bayesian filter (issue 6, store/sqlite/junk.ts): per scope (0 = global, N = user N's
  // own) the number of trained ham and spam messages containing each token, the message totals,
  // and one training record per message key so untraining subtracts exactly what was added.
  `
  CREATE TABLE junk_tokens (
    scope INTEGER NOT NULL,
    token TEXT NOT NULL,
    ham INTEGER NOT NULL CHECK (ham >= 0),
    spam INTEGER NOT NULL CHECK (spam >= 0),
    PRIMARY KEY (scope, token)
  ) WITHOUT ROWID;
  CREATE TABLE junk_totals (
    scope INTEGER PRIMARY KEY,
    ham INTEGER NOT NULL CHECK (ham >= 0),
    spam INTEGER NOT NULL CHECK (spam >= 0)
  );
  CREATE TABLE junk_records (
    scope INTEGER NOT NULL,
    key TEXT NOT NULL,
    label TEXT NOT NULL CHECK (label IN ('ham', 'spam')),
    tokens TEXT NOT NULL,
    trained_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  CREATE TRIGGER junk_user_gc AFTER DELETE ON users BEGIN
    DELETE FROM junk_tokens WHERE scope = old.id;
    DELETE FROM junk_totals WHERE scope = old.id;
    DELETE FROM junk_records WHERE scope = old.id;
  END;
  `,
  // 6: DMARC aggregate reports (issue 5, store/sqlite/dmarc.ts): every DMARC evaluation of the
  // MX for a domain that publishes a record, until it has been reported (reported_at set, in the
  // same transaction that queues the report, so rows are never reported twice).
  `
  CREATE TABLE dmarc_evaluations (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    policy_domain TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    header_from TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    spf_domain TEXT NOT NULL,
    spf_scope TEXT NOT NULL,
    spf_result TEXT NOT NULL,
    spf_aligned INTEGER NOT NULL,
    dkim TEXT NOT NULL,
    dkim_aligned INTEGER NOT NULL,
    result TEXT NOT NULL,
    disposition TEXT NOT NULL,
    policy TEXT NOT NULL,
    overrides TEXT NOT NULL,
    rua TEXT NOT NULL,
    reported_at INTEGER
  );
  CREATE INDEX dmarc_evaluations_unreported ON dmarc_evaluations(policy_domain, at) WHERE reported_at IS NULL;
  `,
  // 7: forwarding and mailing lists (issue 5, store/sqlite/lists.ts, docs/lists.md), and the
  // verdicts (authentication, spam) stored with each message's blob as JSON.
  `
  CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,
    domain_id INTEGER NOT NULL REFERENCES domains(id),
    name TEXT NOT NULL,
    subject_tag TEXT NOT NULL,
    posting TEXT NOT NULL,
    from_rewrite TEXT NOT NULL,
    owner TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE list_members (
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (list_id, address)
  );
  ALTER TABLE blobs ADD COLUMN verdicts TEXT;
  `,
  // 8: incoming DMARC aggregate reports (issue 5, store/sqlite/dmarc-incoming.ts, docs/dmarc.md):
  // the reports other receivers send to our rua= mailboxes, parsed, with their totals as columns;
  // malformed ones keep the reason and the raw message (capped). `dedupe` makes a report that
  // arrives twice one row.
  `
  CREATE TABLE dmarc_incoming (
    id INTEGER PRIMARY KEY,
    dedupe TEXT NOT NULL UNIQUE,
    received_at INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    mail_from TEXT NOT NULL,
    recipients TEXT NOT NULL,
    auth_result TEXT,
    part TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'malformed')),
    reason TEXT,
    org_name TEXT,
    email TEXT,
    report_id TEXT,
    policy_domain TEXT,
    begin_at INTEGER,
    end_at INTEGER,
    messages INTEGER NOT NULL,
    dmarc_pass INTEGER NOT NULL,
    dmarc_fail INTEGER NOT NULL,
    disp_none INTEGER NOT NULL,
    disp_quarantine INTEGER NOT NULL,
    disp_reject INTEGER NOT NULL,
    report TEXT,
    raw BLOB,
    raw_truncated INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX dmarc_incoming_received ON dmarc_incoming(received_at);
  CREATE INDEX dmarc_incoming_domain ON dmarc_incoming(policy_domain, received_at);
  `,
  // 9: correspondents (issue 6, store/sqlite/correspondents.ts, docs/phishing.md): who each user
  // exchanged mail with (sent to via submission, or received in the INBOX without a phishing
  // warning), for the first-contact signal. Rows go with the user (ON DELETE CASCADE).
  `
  CREATE TABLE correspondents (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    count INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (user_id, address)
  ) WITHOUT ROWID;
  `,
  // 10: QRESYNC (issue 3, RFC 7162 §3.2; store/sqlite/imap.ts listVanished): every UID expunged
  // from a mailbox (EXPUNGE, MOVE away, POP3 deletion) with the modseq of that expunge, so
  // SELECT (QRESYNC ...) and UID FETCH (CHANGEDSINCE n VANISHED) can say what vanished since n.
  // Rows go with the mailbox. Expunges from before this migration are not in it: a mailbox's
  // vanished_floor is its HIGHESTMODSEQ at migration time (0 for mailboxes created later), and a
  // client asking about an older modseq is told every missing UID instead (RFC 7162 §3.2.5.2).
  `
  CREATE TABLE vanished_uids (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    modseq INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, modseq, uid)
  ) WITHOUT ROWID;
  ALTER TABLE mailboxes ADD COLUMN vanished_floor INTEGER NOT NULL DEFAULT 0;
  UPDATE mailboxes SET vanished_floor = highest_modseq;
  `,
  // 11: the MTA-STS policy cache (RFC 8461 §3.3, §5.1; store/sqlite/mtasts.ts, docs/outbound.md):
  // one row per recipient domain with the policy text as fetched, the TXT record's id it was
  // fetched for, and when it expires (fetched_at + max_age).
  `
  CREATE TABLE mta_sts_policies (
    domain TEXT PRIMARY KEY,
    policy_id TEXT NOT NULL,
    policy TEXT NOT NULL,
    fetched_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 12: SMTP TLS reporting, sending side (RFC 8460; store/sqlite/tlsrpt.ts, docs/outbound.md):
  // outbound TLS sessions counted per recipient domain, UTC day, applied policy, MX host, address
  // and result ('success' or a §4.3 result type); reported_at is set in the transaction that
  // queues the report (IngestRequest.tlsReportOf).
  `
  CREATE TABLE tlsrpt_sessions (
    id INTEGER PRIMARY KEY,
    domain TEXT NOT NULL,
    day TEXT NOT NULL,
    policy_type TEXT NOT NULL,
    policy_string TEXT NOT NULL,
    policy_mx TEXT NOT NULL,
    mx_host TEXT NOT NULL,
    receiving_ip TEXT NOT NULL,
    result TEXT NOT NULL,
    count INTEGER NOT NULL,
    reported_at INTEGER
  );
  CREATE UNIQUE INDEX tlsrpt_sessions_open ON tlsrpt_sessions (domain, day, policy_type, policy_string, policy_mx, mx_host, receiving_ip, result) WHERE reported_at IS NULL;
  `,
];
