package dev.directupload.registry;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import dev.directupload.events.Delivery;
import dev.directupload.events.Event;
import java.lang.reflect.Type;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * The registry in a PostgreSQL database that every instance shares: an upload completed on one
 * instance is listed by all of them at once, and a change of one upload is one transaction, so
 * completing it on two instances at the same moment makes one transition.
 *
 * <h2>Transactions</h2>
 *
 * Every method is one short transaction (reads: one statement). A transition is an {@code UPDATE}
 * or {@code DELETE} of the upload's row guarded by its state ({@code WHERE completed_at IS NULL})
 * that returns the row; the counters it moves and the events it causes are written in the same
 * transaction, only when the row changed. A failure anywhere rolls all of it back: no half-written
 * record, and a transaction that committed survives any crash of this JVM. Transactions are
 * READ COMMITTED (SERIALIZABLE would fail most transactions that update the same counter row at
 * once); deadlocks and serialization failures (CockroachDB's) are retried.
 *
 * <p>A removal of an id that an import is adding at the same moment must not leave the file both
 * listed and remembered as removed, and no row lock protects a row that does not exist yet. The
 * tombstone's key serves as the lock: a removal writes the tombstone before it deletes the row,
 * and {@link #addCompleted} inserts the row, then probes the tombstone's key with an insert that
 * it deletes again in the same transaction. Two inserts of one key wait for each other, so either
 * the addition sees the tombstone and adds nothing, or the removal waits for the addition to
 * commit and deletes its row.
 *
 * <h2>What is exact and what is approximate</h2>
 *
 * <ul>
 *   <li><b>Exact:</b> one transition per upload; the per-client pending limit and the owner's
 *       quotas (bytes and files, completed and pending), under any concurrency and across
 *       instances: an admission locks the client's counter row, then the owner's, in that fixed
 *       order (every transaction that takes both does), checks and reserves with one
 *       {@code INSERT ... ON CONFLICT DO UPDATE ... WHERE fits} each; an id is never admitted
 *       twice; {@link #pendingCount()} and {@link #completedCount()} (sums of 16 counter rows
 *       kept in every transaction, committed values at the moment of the read: 16 rows whatever
 *       the size of the table).
 *   <li><b>{@code maxPending}, exact near the limit:</b> it protects the table, not fairness, and
 *       an exact global count on every presign would serialize the presigns of all instances.
 *       Each instance keeps an estimate of the pending total (read at most
 *       {@value #ESTIMATE_MILLIS} ms ago, plus its own admissions since). While the estimate is
 *       more than a headroom below the limit (a tenth of it, at least {@value #MIN_HEADROOM}),
 *       a presign checks nothing global. Otherwise it locks one gate row, counts exactly and
 *       admits, so presigns near the limit are admitted one at a time, exactly. The limit can be
 *       exceeded only when other instances together admit more than the headroom within the
 *       estimate's age: with a max-pending of 100,000 (a headroom of 10,000), more than 10,000
 *       presigns within a second. As in memory, a full registry first drops pending uploads
 *       that expired (silently, without events or tombstones, like the in-memory registry), and
 *       never a live one.
 * </ul>
 *
 * <h2>Times</h2>
 *
 * Stored as {@code timestamptz}, to the microsecond: an instant with at most microsecond
 * precision reads back equal; digits below are cut (not rounded) before writing, so a completed
 * upload comes back with its completion time cut, and the listing cursor, always derived from the
 * stored value, points exactly at a row. A cursor from elsewhere with sub-microsecond digits
 * (issued by the in-memory registry) starts after every file completed at or before its
 * microsecond.
 */
public final class PostgresRegistry implements Registry {
  static final int SHARDS = 16;
  static final long ESTIMATE_MILLIS = 1000;
  static final int MIN_HEADROOM = 1000;
  /** Expired pending uploads dropped at once when the registry is full. */
  static final int EVICT_BATCH = 1000;

  private static final String COLUMNS = "id, owner, client, object_key, filename, content_type,"
      + " size_bytes, checksum_sha256, metadata, created_at, expires_at, completed_at, etag,"
      + " part_size, part_count, store_upload_id";
  private static final String INSERT = "INSERT INTO uploads (" + COLUMNS + ")"
      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
  private static final Type METADATA = new TypeToken<Map<String, String>>() {}.getType();

  private final Sql sql;
  private final String producer;
  private final Duration eventLease;
  private final Clock clock;
  private final PendingEstimate estimate = new PendingEstimate();
  private volatile boolean knowsEveryUpload = true;

  /**
   * @param dataSource the pool (or the container's data source), schema migrated
   * @param producer this instance's name in the leases of the events it records (the webhook
   *     deliverer's instance id), so it delivers them itself unless it dies
   * @param eventLease how long the producer holds a recorded event (the deliverer's lease)
   * @param clock when events are recorded
   */
  public PostgresRegistry(DataSource dataSource, String producer, Duration eventLease,
      Clock clock) {
    this.sql = new Sql(Objects.requireNonNull(dataSource, "dataSource"));
    this.producer = Objects.requireNonNull(producer, "producer");
    this.eventLease = Objects.requireNonNull(eventLease, "eventLease");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** True unless an import of a bucket is under way (see {@link #setKnowsEveryUpload}). */
  @Override
  public boolean isShared() {
    return true;
  }

  @Override
  public boolean knowsEveryUpload() {
    return knowsEveryUpload;
  }

  /**
   * False while files of the bucket may be missing from the database (an import under way), so
   * that a miss is looked up in the bucket; true again once the import finished.
   */
  public void setKnowsEveryUpload(boolean knows) {
    this.knowsEveryUpload = knows;
  }

  @Override
  public Optional<Upload> find(String id) {
    return sql.read("look up an upload", c -> select(c, id));
  }

  // ---- admission ----

  @Override
  public Admission addPending(Upload upload, Limits limits, Instant now) {
    if (estimate.roomFor(limits.maxPending(), this::readPendingTotal)) {
      Admission admission = sql.transaction("add a pending upload", c -> admit(c, upload, limits));
      if (admission == Admission.ADMITTED) {
        estimate.admitted();
      }
      return admission;
    }
    Admission admission = admitExactly(upload, limits);
    if (admission == Admission.FULL && evictExpired(now) > 0) {
      admission = admitExactly(upload, limits);
    }
    return admission;
  }

  /** Near the limit: one admission at a time, behind the gate row, against the exact count. */
  private Admission admitExactly(Upload upload, Limits limits) {
    Admission admission = sql.transaction("add a pending upload", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id FROM pending_gate WHERE id = 1 FOR UPDATE")) {
        ps.executeQuery().close();
      }
      long pending = pendingTotal(c);
      estimate.set(pending);
      if (pending >= limits.maxPending()) {
        return Admission.FULL;
      }
      return admit(c, upload, limits);
    });
    if (admission == Admission.ADMITTED) {
      estimate.admitted();
    }
    return admission;
  }

  /**
   * Checks and reserves the client's place, then the owner's quota, then adds the row; rolls
   * back all of it when one refuses. Locks: client row, owner row, one totals row.
   */
  private Admission admit(Connection c, Upload upload, Limits limits) throws SQLException {
    Admission verdict = reserve(c, upload, limits);
    if (verdict == Admission.ADMITTED) {
      try (PreparedStatement ps = c.prepareStatement(INSERT + " ON CONFLICT (id) DO NOTHING")) {
        bind(ps, upload);
        if (ps.executeUpdate() == 0) {
          verdict = Admission.ALREADY_KNOWN;
        }
      }
    }
    if (verdict != Admission.ADMITTED) {
      c.rollback();
      return verdict;
    }
    addTotals(c, 1, 0);
    return Admission.ADMITTED;
  }

  private static Admission reserve(Connection c, Upload upload, Limits limits)
      throws SQLException {
    if (limits.maxPendingPerClient() < 1) {
      return Admission.CLIENT_FULL;
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO client_pending AS p"
        + " (client, pending) VALUES (?, 1) ON CONFLICT (client)"
        + " DO UPDATE SET pending = p.pending + 1 WHERE p.pending < ? RETURNING pending")) {
      ps.setString(1, upload.client());
      ps.setInt(2, limits.maxPendingPerClient());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Admission.CLIENT_FULL;
        }
      }
    }
    if (limits.quotaBytes() > 0 && upload.size() > limits.quotaBytes()) {
      return Admission.OVER_QUOTA_BYTES;
    }
    // The row is locked even when the condition refuses the update: the reason read below is
    // the one that refused.
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO owner_usage AS u"
        + " (owner, completed_files, completed_bytes, pending_files, pending_bytes)"
        + " VALUES (?, 0, 0, 1, ?) ON CONFLICT (owner) DO UPDATE"
        + " SET pending_files = u.pending_files + 1,"
        + " pending_bytes = u.pending_bytes + excluded.pending_bytes"
        + " WHERE (? = 0 OR u.completed_bytes + u.pending_bytes + excluded.pending_bytes <= ?)"
        + " AND (? = 0 OR u.completed_files + u.pending_files + 1 <= ?)"
        + " RETURNING pending_files")) {
      ps.setString(1, upload.owner());
      ps.setLong(2, upload.size());
      ps.setLong(3, limits.quotaBytes());
      ps.setLong(4, limits.quotaBytes());
      ps.setLong(5, limits.quotaFiles());
      ps.setLong(6, limits.quotaFiles());
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return Admission.ADMITTED;
        }
      }
    }
    Usage usage = usage(c, upload.owner());
    return limits.quotaBytes() > 0 && usage.bytes() + upload.size() > limits.quotaBytes()
        ? Admission.OVER_QUOTA_BYTES : Admission.OVER_QUOTA_FILES;
  }

  /**
   * Drops up to {@value #EVICT_BATCH} pending uploads that expired before {@code now}, as the
   * in-memory registry does when full; rows another transaction holds are left to it.
   */
  private int evictExpired(Instant now) {
    return sql.transaction("drop expired uploads", c -> {
      List<String> ids = new ArrayList<>();
      Map<String, Integer> byClient = new TreeMap<>();
      Map<String, long[]> byOwner = new TreeMap<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT id, owner, client, size_bytes"
          + " FROM uploads WHERE completed_at IS NULL AND expires_at < ?"
          + " ORDER BY expires_at, id LIMIT ? FOR UPDATE SKIP LOCKED")) {
        Sql.setTime(ps, 1, now);
        ps.setInt(2, EVICT_BATCH);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            ids.add(rs.getString(1));
            byClient.merge(rs.getString(3), 1, Integer::sum);
            long[] owner = byOwner.computeIfAbsent(rs.getString(2), o -> new long[2]);
            owner[0]++;
            owner[1] += rs.getLong(4);
          }
        }
      }
      if (ids.isEmpty()) {
        return 0;
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM uploads WHERE id = ?")) {
        for (String id : ids) {
          ps.setString(1, id);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      // Clients, then owners, each in sorted order: the lock order of every other transaction.
      for (Map.Entry<String, Integer> client : byClient.entrySet()) {
        releaseClient(c, client.getKey(), client.getValue());
      }
      for (Map.Entry<String, long[]> owner : byOwner.entrySet()) {
        changeOwner(c, owner.getKey(), 0, 0, -owner.getValue()[0], -owner.getValue()[1]);
      }
      addTotals(c, -ids.size(), 0);
      return ids.size();
    });
  }

  // ---- transitions ----

  @Override
  public Optional<Upload> startMultipart(String id, MultipartPlan started, Instant newExpiry) {
    return sql.transaction("start a multipart upload", c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE uploads SET store_upload_id = ?,"
          + " part_size = ?, part_count = ?, expires_at = ?"
          + " WHERE id = ? AND completed_at IS NULL AND part_count IS NOT NULL"
          + " AND store_upload_id IS NULL RETURNING " + COLUMNS)) {
        Sql.setOptionalText(ps, 1, started.storeUploadId());
        ps.setLong(2, started.partSize());
        ps.setInt(3, started.partCount());
        Sql.setTime(ps, 4, newExpiry);
        ps.setString(5, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return Optional.of(upload(rs));
          }
        }
      }
      return select(c, id).filter(u -> !u.isCompleted());
    });
  }

  @Override
  public Changed markCompleted(String id, Instant at, Optional<String> etag, long size,
      List<Event> events) {
    return sql.transaction("complete an upload", c -> {
      Upload done;
      String client;
      // The size signed, which the owner's pending bytes hold (0 when it was not known).
      long signedSize = 0;
      if (size != SIZE_AS_SIGNED) {
        try (PreparedStatement ps = c.prepareStatement("SELECT size_bytes FROM uploads"
            + " WHERE id = ? AND completed_at IS NULL FOR UPDATE")) {
          ps.setString(1, id);
          try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              return Changed.nothing(select(c, id));
            }
            signedSize = rs.getLong(1);
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("UPDATE uploads SET completed_at = ?,"
          + " etag = ?, size_bytes = CASE WHEN ? >= 0 THEN ? ELSE size_bytes END,"
          + " part_size = NULL, part_count = NULL, store_upload_id = NULL"
          + " WHERE id = ? AND completed_at IS NULL RETURNING " + COLUMNS)) {
        Sql.setTime(ps, 1, at);
        Sql.setOptionalText(ps, 2, etag);
        ps.setLong(3, size);
        ps.setLong(4, size);
        ps.setString(5, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            done = null;
            client = null;
          } else {
            done = upload(rs);
            client = rs.getString("client");
          }
        }
      }
      if (done == null) {
        return Changed.nothing(select(c, id));
      }
      releaseClient(c, client, 1);
      long pendingBytes = size == SIZE_AS_SIGNED ? done.size() : signedSize;
      changeOwner(c, done.owner(), 1, done.size(), -1, -pendingBytes);
      addTotals(c, -1, 1);
      return new Changed(Optional.of(done), record(c, events));
    });
  }

  @Override
  public boolean addCompleted(Upload upload) {
    return addCompletedAll(List.of(upload)) == 1;
  }

  /**
   * Adds uploads found completed in the store in one transaction (an import of a bucket: one
   * commit per batch instead of per file); those already known or removed are left out.
   * Returns how many were added.
   */
  public int addCompletedAll(List<Upload> uploads) {
    for (Upload u : uploads) {
      if (!u.isCompleted()) {
        throw new IllegalArgumentException("Not completed: " + u.id());
      }
    }
    if (uploads.isEmpty()) {
      return 0;
    }
    return sql.transaction("add completed uploads", c -> {
      List<Upload> inserted = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(INSERT + " ON CONFLICT (id) DO NOTHING")) {
        for (Upload u : uploads) {
          bind(ps, u);
          ps.addBatch();
        }
        int[] counts = ps.executeBatch();
        for (int i = 0; i < counts.length; i++) {
          if (counts[i] > 0) {
            inserted.add(uploads.get(i));
          }
        }
      }
      List<Upload> removed = probeTombstones(c, inserted);
      if (!removed.isEmpty()) {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM uploads WHERE id = ?")) {
          for (Upload u : removed) {
            ps.setString(1, u.id());
            ps.addBatch();
          }
          ps.executeBatch();
        }
        inserted.removeAll(removed);
      }
      Map<String, long[]> byOwner = new TreeMap<>();
      for (Upload u : inserted) {
        long[] owner = byOwner.computeIfAbsent(u.owner(), o -> new long[2]);
        owner[0]++;
        owner[1] += u.size();
      }
      int added = inserted.size();
      for (Map.Entry<String, long[]> owner : byOwner.entrySet()) {
        changeOwner(c, owner.getKey(), owner.getValue()[0], owner.getValue()[1], 0, 0);
      }
      if (added > 0) {
        addTotals(c, 0, added);
      }
      return added;
    });
  }

  /**
   * Which of {@code uploads} (just inserted, not committed) were removed: those whose id has a
   * tombstone, committed or being written by a removal (the probe's insert waits for it). The
   * probe rows this transaction inserted are deleted again: nobody ever sees them.
   */
  private static List<Upload> probeTombstones(Connection c, List<Upload> uploads)
      throws SQLException {
    if (uploads.isEmpty()) {
      return List.of();
    }
    List<Upload> removed = new ArrayList<>();
    List<String> probes = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO tombstones"
        + " (id, object_key, expires_at, check_object) VALUES (?, '', ?, false)"
        + " ON CONFLICT (id) DO NOTHING")) {
      for (Upload u : uploads) {
        ps.setString(1, u.id());
        Sql.setTime(ps, 2, u.createdAt());
        ps.addBatch();
      }
      int[] counts = ps.executeBatch();
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) {
          probes.add(uploads.get(i).id());
        } else {
          removed.add(uploads.get(i));
        }
      }
    }
    if (!probes.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM tombstones WHERE id = ?")) {
        for (String id : probes) {
          ps.setString(1, id);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    return removed;
  }

  @Override
  public Changed remove(String id, Tombstone tombstone, List<Event> events) {
    return removeWhere(id, false, tombstone, events);
  }

  @Override
  public Changed removeIfPending(String id, Tombstone tombstone, List<Event> events) {
    return removeWhere(id, true, tombstone, events);
  }

  /**
   * Remembers the id and deletes the row (only while pending when {@code onlyPending}): the id
   * is remembered also when no row was there (another instance's deletion must not come back),
   * but not when the row is there and completed (expiry does not undo a completion). The
   * tombstone is written first: see the class comment.
   */
  private Changed removeWhere(String id, boolean onlyPending, Tombstone tombstone,
      List<Event> events) {
    return sql.transaction("remove an upload", c -> {
      if (tombstone != null) {
        remember(c, tombstone);
      }
      Upload removed;
      String client;
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM uploads WHERE id = ?"
          + (onlyPending ? " AND completed_at IS NULL" : "") + " RETURNING " + COLUMNS)) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            removed = null;
            client = null;
          } else {
            removed = upload(rs);
            client = rs.getString("client");
          }
        }
      }
      if (removed == null) {
        if (tombstone != null && onlyPending && select(c, id).isPresent()) {
          c.rollback(); // completed meanwhile: no tombstone
        }
        return Changed.nothing(Optional.empty());
      }
      if (removed.isCompleted()) {
        changeOwner(c, removed.owner(), -1, -removed.size(), 0, 0);
        addTotals(c, 0, -1);
      } else {
        releaseClient(c, client, 1);
        changeOwner(c, removed.owner(), 0, 0, -1, -removed.size());
        addTotals(c, -1, 0);
      }
      return new Changed(Optional.of(removed), record(c, events));
    });
  }

  /** Keeps the later of two tombstones of one id, and looks at the key if either asked to. */
  private static void remember(Connection c, Tombstone t) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO tombstones AS t"
        + " (id, object_key, expires_at, check_object) VALUES (?, ?, ?, ?)"
        + " ON CONFLICT (id) DO UPDATE SET"
        + " object_key = CASE WHEN excluded.expires_at > t.expires_at"
        + " THEN excluded.object_key ELSE t.object_key END,"
        + " expires_at = CASE WHEN excluded.expires_at > t.expires_at"
        + " THEN excluded.expires_at ELSE t.expires_at END,"
        + " check_object = t.check_object OR excluded.check_object")) {
      ps.setString(1, t.id());
      ps.setString(2, t.key());
      Sql.setTime(ps, 3, t.until());
      ps.setBoolean(4, t.checkObject());
      ps.executeUpdate();
    }
  }

  private List<Delivery> record(Connection c, List<Event> events) throws SQLException {
    if (events.isEmpty()) {
      return List.of();
    }
    Instant now = clock.instant();
    List<Delivery> recorded = new ArrayList<>(events.size());
    for (Event event : events) {
      recorded.add(PostgresOutbox.insert(c, event, producer, now, eventLease));
    }
    return recorded;
  }

  // ---- tombstones ----

  @Override
  public boolean isRemoved(String id) {
    return sql.read("look up a removed upload", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM tombstones WHERE id = ?")) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next();
        }
      }
    });
  }

  @Override
  public List<Tombstone> expiredTombstones(Instant now, int max) {
    return sql.read("list expired tombstones", c -> {
      List<Tombstone> expired = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT id, object_key, expires_at,"
          + " check_object FROM tombstones WHERE expires_at < ? ORDER BY expires_at, id"
          + " LIMIT ?")) {
        Sql.setTime(ps, 1, now);
        ps.setInt(2, max);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            expired.add(new Tombstone(rs.getString(1), rs.getString(2), Sql.instant(rs, 3),
                rs.getBoolean(4)));
          }
        }
      }
      return expired;
    });
  }

  @Override
  public void forgetTombstone(String id) {
    sql.transaction("forget a tombstone", c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM tombstones WHERE id = ?")) {
        ps.setString(1, id);
        return ps.executeUpdate();
      }
    });
  }

  // ---- reads ----

  @Override
  public List<Upload> expiredPending(Instant now, int max) {
    return sql.read("list expired uploads", c -> list(c, "SELECT " + COLUMNS + " FROM uploads"
        + " WHERE completed_at IS NULL AND expires_at < ? ORDER BY expires_at, id LIMIT ?",
        ps -> {
          Sql.setTime(ps, 1, now);
          ps.setInt(2, max);
        }));
  }

  @Override
  public List<Upload> pending(String owner) {
    return sql.read("list pending uploads", c -> list(c, "SELECT " + COLUMNS + " FROM uploads"
        + " WHERE owner = ? AND completed_at IS NULL ORDER BY created_at, id",
        ps -> ps.setString(1, owner)));
  }

  @Override
  public FilePage page(String owner, int limit, Optional<String> cursor) {
    Optional<ListingCursor> after = cursor.map(ListingCursor::decode).map(PostgresRegistry::stored);
    List<Upload> rows = sql.read("list files", c -> list(c, "SELECT " + COLUMNS
        + " FROM uploads WHERE owner = ? AND completed_at IS NOT NULL"
        + (after.isPresent() ? " AND (completed_at, id) < (?, ?)" : "")
        + " ORDER BY completed_at DESC, id DESC LIMIT ?", ps -> {
          int i = 1;
          ps.setString(i++, owner);
          if (after.isPresent()) {
            Sql.setTime(ps, i++, after.get().completedAt());
            ps.setString(i++, after.get().id());
          }
          ps.setLong(i, limit + 1L);
        }));
    if (rows.size() <= limit) {
      return new FilePage(rows, Optional.empty());
    }
    List<Upload> files = rows.subList(0, limit);
    return new FilePage(files, Optional.of(ListingCursor.of(files.get(limit - 1)).encode()));
  }

  /**
   * The cursor as a bound on stored values: one with sub-microsecond digits (from the in-memory
   * registry) is after every file stored at or before its microsecond, and before none of them:
   * the next microsecond with the smallest id.
   */
  private static ListingCursor stored(ListingCursor c) {
    if (c.completedAt().getNano() % 1000 == 0) {
      return c;
    }
    return new ListingCursor(c.completedAt().truncatedTo(ChronoUnit.MICROS).plusNanos(1000), "");
  }

  @Override
  public Usage usage(String owner) {
    return sql.read("read an owner's usage", c -> usage(c, owner));
  }

  private static Usage usage(Connection c, String owner) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT completed_files, completed_bytes,"
        + " pending_files, pending_bytes FROM owner_usage WHERE owner = ?")) {
      ps.setString(1, owner);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? new Usage(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4))
            : Usage.NONE;
      }
    }
  }

  /** The committed count, summed over 16 rows: as cheap at ten million files as at none. */
  @Override
  public int completedCount() {
    return (int) Math.min(Integer.MAX_VALUE, totals()[1]);
  }

  @Override
  public int pendingCount() {
    return (int) Math.min(Integer.MAX_VALUE, totals()[0]);
  }

  private long[] totals() {
    return sql.read("count uploads", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT coalesce(sum(pending), 0), coalesce(sum(completed), 0) FROM totals")) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return new long[] {rs.getLong(1), rs.getLong(2)};
        }
      }
    });
  }

  private long readPendingTotal() {
    return sql.read("count pending uploads", PostgresRegistry::pendingTotal);
  }

  private static long pendingTotal(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT coalesce(sum(pending), 0) FROM totals")) {
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  // ---- counters ----

  /** Gives {@code n} places back to the client; its row goes at zero. */
  private static void releaseClient(Connection c, String client, int n) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE client_pending"
        + " SET pending = pending - ? WHERE client = ? RETURNING pending")) {
      ps.setInt(1, n);
      ps.setString(2, client);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next() || rs.getInt(1) > 0) {
          return;
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "DELETE FROM client_pending WHERE client = ? AND pending <= 0")) {
      ps.setString(1, client);
      ps.executeUpdate();
    }
  }

  /** Moves the owner's usage by the given amounts; the row goes when it holds nothing. */
  private static void changeOwner(Connection c, String owner, long files, long bytes,
      long pendingFiles, long pendingBytes) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO owner_usage AS u"
        + " (owner, completed_files, completed_bytes, pending_files, pending_bytes)"
        + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner) DO UPDATE SET"
        + " completed_files = u.completed_files + excluded.completed_files,"
        + " completed_bytes = u.completed_bytes + excluded.completed_bytes,"
        + " pending_files = u.pending_files + excluded.pending_files,"
        + " pending_bytes = u.pending_bytes + excluded.pending_bytes"
        + " RETURNING completed_files, completed_bytes, pending_files, pending_bytes")) {
      ps.setString(1, owner);
      ps.setLong(2, files);
      ps.setLong(3, bytes);
      ps.setLong(4, pendingFiles);
      ps.setLong(5, pendingBytes);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        if (rs.getLong(1) != 0 || rs.getLong(2) != 0 || rs.getLong(3) != 0
            || rs.getLong(4) != 0) {
          return;
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM owner_usage WHERE owner = ?"
        + " AND completed_files = 0 AND completed_bytes = 0 AND pending_files = 0"
        + " AND pending_bytes = 0")) {
      ps.setString(1, owner);
      ps.executeUpdate();
    }
  }

  /** Moves the totals, in one of their rows chosen at random: the last lock a change takes. */
  private static void addTotals(Connection c, long pending, long completed) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE totals SET pending = pending + ?,"
        + " completed = completed + ? WHERE shard = ?")) {
      ps.setLong(1, pending);
      ps.setLong(2, completed);
      ps.setInt(3, ThreadLocalRandom.current().nextInt(SHARDS));
      ps.executeUpdate();
    }
  }

  // ---- rows ----

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private static List<Upload> list(Connection c, String query, Binder binder)
      throws SQLException {
    List<Upload> found = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(query)) {
      binder.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(upload(rs));
        }
      }
    }
    return found;
  }

  private static Optional<Upload> select(Connection c, String id) throws SQLException {
    List<Upload> found = list(c, "SELECT " + COLUMNS + " FROM uploads WHERE id = ?",
        ps -> ps.setString(1, id));
    return found.stream().findFirst();
  }

  /** Binds the 16 columns of {@link #COLUMNS}, in order, from parameter 1. */
  private static void bind(PreparedStatement ps, Upload u) throws SQLException {
    ps.setString(1, u.id());
    ps.setString(2, u.owner());
    ps.setString(3, u.client());
    ps.setString(4, u.key());
    ps.setString(5, u.filename());
    ps.setString(6, u.contentType());
    ps.setLong(7, u.size());
    Sql.setOptionalText(ps, 8, u.checksumSha256());
    ps.setString(9, GSON.toJson(u.metadata(), METADATA));
    Sql.setTime(ps, 10, u.createdAt());
    Sql.setTime(ps, 11, u.expiresAt());
    if (u.completedAt().isPresent()) {
      Sql.setTime(ps, 12, u.completedAt().get());
    } else {
      ps.setNull(12, Types.TIMESTAMP_WITH_TIMEZONE);
    }
    Sql.setOptionalText(ps, 13, u.etag());
    if (u.multipart().isPresent()) {
      MultipartPlan plan = u.multipart().get();
      ps.setLong(14, plan.partSize());
      ps.setInt(15, plan.partCount());
      Sql.setOptionalText(ps, 16, plan.storeUploadId());
    } else {
      ps.setNull(14, Types.BIGINT);
      ps.setNull(15, Types.INTEGER);
      ps.setNull(16, Types.VARCHAR);
    }
  }

  /** The row as an upload; a completed one counts against its owner (see Upload#completed). */
  private static Upload upload(ResultSet rs) throws SQLException {
    String owner = rs.getString("owner");
    Optional<Instant> completedAt = Sql.optionalInstant(rs, "completed_at");
    long partSize = rs.getLong("part_size");
    Optional<MultipartPlan> plan = rs.wasNull() ? Optional.empty()
        : Optional.of(new MultipartPlan(Optional.ofNullable(rs.getString("store_upload_id")),
            partSize, rs.getInt("part_count")));
    Map<String, String> metadata = GSON.fromJson(rs.getString("metadata"), METADATA);
    return new Upload(rs.getString("id"), owner,
        completedAt.isPresent() ? owner : rs.getString("client"), rs.getString("object_key"),
        rs.getString("filename"), rs.getString("content_type"), rs.getLong("size_bytes"),
        Optional.ofNullable(rs.getString("checksum_sha256")), metadata,
        Sql.instant(rs, "created_at"), Sql.instant(rs, "expires_at"), completedAt,
        Optional.ofNullable(rs.getString("etag")), plan);
  }

  /**
   * This instance's idea of the pending total: read from the database at most
   * {@value #ESTIMATE_MILLIS} ms ago, plus what this instance admitted since.
   */
  private static final class PendingEstimate {
    private long count;
    private long readAt;
    private boolean known;

    /** Whether a presign may skip the exact check: the estimate is well below the limit. */
    boolean roomFor(int maxPending, java.util.function.LongSupplier read) {
      long headroom = Math.max(MIN_HEADROOM, maxPending / 10);
      if (maxPending - headroom <= 0) {
        return false;
      }
      long now = System.nanoTime();
      synchronized (this) {
        if (known && now - readAt < ESTIMATE_MILLIS * 1_000_000) {
          return count + 1 <= maxPending - headroom;
        }
      }
      set(read.getAsLong());
      synchronized (this) {
        return count + 1 <= maxPending - headroom;
      }
    }

    synchronized void set(long exact) {
      count = exact;
      readAt = System.nanoTime();
      known = true;
    }

    synchronized void admitted() {
      count++;
    }
  }
}
