-- The PostgreSQL registry: uploads, what owners and clients hold, tombstones, the events outbox
-- and the progress of bucket imports.
--
-- Kept to SQL that PostgreSQL-compatible distributed databases accept (CockroachDB, YugabyteDB,
-- Aurora): no extensions, no advisory locks, no functions or triggers, no generated columns;
-- partial and descending indexes, ON CONFLICT and row-value comparisons only. Times are
-- timestamptz (microseconds); the application truncates sub-microsecond digits before writing.

-- Every upload from the moment its URL is signed: pending while completed_at is null.
CREATE TABLE uploads (
  id              text        NOT NULL PRIMARY KEY,
  owner           text        NOT NULL,
  -- Who the upload counts against while pending; left as it was when it completes (the
  -- application reads a completed upload's client as its owner).
  client          text        NOT NULL,
  object_key      text        NOT NULL,
  filename        text        NOT NULL,
  content_type    text        NOT NULL,
  size_bytes      bigint      NOT NULL CHECK (size_bytes >= 0),
  checksum_sha256 text,
  -- The pre-create hook's extra x-amz-meta-* pairs: a JSON object of strings, '{}' for most.
  metadata        text        NOT NULL,
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  completed_at    timestamptz,
  etag            text,
  -- The multipart plan (null for a single PUT, cleared on completion); store_upload_id stays
  -- null until the store's multipart upload is started.
  part_size       bigint,
  part_count      integer,
  store_upload_id text,
  CHECK ((part_size IS NULL) = (part_count IS NULL))
);

-- An owner's listing, newest first: a page is one walk of this index from the cursor
-- (owner, completed_at, id), never OFFSET, never a sort.
CREATE INDEX uploads_listing ON uploads (owner, completed_at DESC, id DESC)
  WHERE completed_at IS NOT NULL;
-- Expiry walks only pending uploads, soonest first.
CREATE INDEX uploads_pending_by_expiry ON uploads (expires_at, id)
  WHERE completed_at IS NULL;
-- An owner's unfinished uploads (resume after a reload), oldest first. Per-client counts are
-- kept in client_pending, so nothing reads pending uploads by client: no index for that.
CREATE INDEX uploads_pending_by_owner ON uploads (owner, created_at, id)
  WHERE completed_at IS NULL;

-- Removed uploads, remembered until their signed URLs can no longer write the object.
CREATE TABLE tombstones (
  id           text        NOT NULL PRIMARY KEY,
  object_key   text        NOT NULL,
  expires_at   timestamptz NOT NULL,
  check_object boolean     NOT NULL
);
CREATE INDEX tombstones_by_expiry ON tombstones (expires_at, id);

-- What each owner holds, for quotas: changed in the transaction of every admission and
-- transition, locked in a fixed order (client_pending row, then owner_usage row, then one
-- totals row), so concurrent presigns at a quota's edge admit exactly what fits.
CREATE TABLE owner_usage (
  owner           text   NOT NULL PRIMARY KEY,
  completed_files bigint NOT NULL,
  completed_bytes bigint NOT NULL,
  pending_files   bigint NOT NULL,
  pending_bytes   bigint NOT NULL
);

-- Pending uploads per client (a user, or an anonymous address); a row is deleted at zero, so
-- the table is never larger than the pending uploads.
CREATE TABLE client_pending (
  client  text    NOT NULL PRIMARY KEY,
  pending integer NOT NULL
);

-- The counts for api/health and for max-pending, split over 16 rows so that concurrent
-- transitions rarely wait for each other: the totals are the sums, 16 rows to read whatever
-- the size of uploads.
CREATE TABLE totals (
  shard     integer NOT NULL PRIMARY KEY,
  pending   bigint  NOT NULL,
  completed bigint  NOT NULL
);
INSERT INTO totals (shard, pending, completed) VALUES
  (0, 0, 0), (1, 0, 0), (2, 0, 0), (3, 0, 0), (4, 0, 0), (5, 0, 0), (6, 0, 0), (7, 0, 0),
  (8, 0, 0), (9, 0, 0), (10, 0, 0), (11, 0, 0), (12, 0, 0), (13, 0, 0), (14, 0, 0), (15, 0, 0);

-- One row that admissions near max-pending lock, so that they count and admit one at a time.
CREATE TABLE pending_gate (
  id integer NOT NULL PRIMARY KEY
);
INSERT INTO pending_gate (id) VALUES (1);

-- Webhook events and their delivery state. An event is inserted in the transaction of the
-- change that causes it; it leaves when delivered (deleted) or abandoned (state 'dead', kept
-- for an operator). id orders the events as they were recorded.
CREATE TABLE outbox (
  id              bigserial   NOT NULL PRIMARY KEY,
  event_id        text        NOT NULL UNIQUE,
  subject         text        NOT NULL,
  -- The event as Event.toJson writes it.
  event           text        NOT NULL,
  state           text        NOT NULL CHECK (state IN ('pending', 'dead')),
  recorded_at     timestamptz NOT NULL,
  attempts        integer     NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  lease_owner     text        NOT NULL,
  lease_until     timestamptz NOT NULL,
  last_error      text,
  abandoned_at    timestamptz
);
-- Whether an event is the oldest pending one of its upload.
CREATE INDEX outbox_pending_by_subject ON outbox (subject, id) WHERE state = 'pending';
-- Events whose lease ran out (a lease always outlives the next attempt's time): what a scan
-- may claim.
CREATE INDEX outbox_due ON outbox (lease_until, id) WHERE state = 'pending';

-- Imports of an existing bucket into this registry: whether one ran and where it got to, so an
-- interrupted import resumes after its last key, and two instances never import at once.
CREATE TABLE bucket_imports (
  source      text        NOT NULL PRIMARY KEY,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  after_key   text,
  imported    bigint      NOT NULL,
  runner      text        NOT NULL,
  lease_until timestamptz NOT NULL
);
