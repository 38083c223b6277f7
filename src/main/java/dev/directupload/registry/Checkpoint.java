package dev.directupload.registry;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * What the in-memory registry knew at one moment, in one compact object the bucket can hold: every
 * completed upload (sorted by key, as a listing returns them) and every remembered removal. A
 * restart reads it with one GET instead of one HeadObject per file, and trusts an entry only where
 * the listing shows its object with the same size, ETag and time.
 *
 * <p>Format (gzip): magic {@code DUCP}, version, the time it was taken, the key prefix, the owner
 * and type names once each, the entries, the tombstones, then the SHA-256 of everything before
 * it. A checkpoint that is cut short, altered, of another version or for another prefix is
 * refused as a whole ({@link Unreadable}); it never yields part of a listing.
 */
public record Checkpoint(Instant takenAt, String keyPrefix, List<Upload> completed,
    List<Tombstone> tombstones) {
  private static final int MAGIC = 0x44554350; // "DUCP"
  static final int VERSION = 1;

  public Checkpoint {
    completed = List.copyOf(completed);
    tombstones = List.copyOf(tombstones);
  }

  /** A checkpoint that cannot be trusted, and why, in words for the log. */
  public static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;

    Unreadable(String why) {
      super(why);
    }

    Unreadable(String why, Throwable cause) {
      super(why, cause);
    }
  }

  /** The bytes to store; {@code completed} must be sorted by key. */
  public byte[] toBytes() {
    ByteArrayOutputStream raw = new ByteArrayOutputStream(64 + completed.size() * 128);
    try {
      DataOutputStream out = new DataOutputStream(raw);
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeLong(takenAt.toEpochMilli());
      out.writeUTF(keyPrefix);
      Map<String, Integer> owners = dictionary(completed, true);
      Map<String, Integer> types = dictionary(completed, false);
      writeNames(out, owners);
      writeNames(out, types);
      out.writeInt(completed.size());
      for (Upload u : completed) {
        out.writeUTF(u.key());
        out.writeUTF(u.id());
        out.writeInt(owners.get(u.owner()));
        out.writeUTF(u.filename());
        out.writeInt(types.get(u.contentType()));
        out.writeLong(u.size());
        Instant at = u.completedAt().orElseThrow();
        out.writeLong(at.getEpochSecond());
        out.writeInt(at.getNano());
        writeOptional(out, u.etag());
        writeOptional(out, u.checksumSha256());
        out.writeShort(u.metadata().size());
        for (Map.Entry<String, String> pair : u.metadata().entrySet()) {
          out.writeUTF(pair.getKey());
          out.writeUTF(pair.getValue());
        }
      }
      out.writeInt(tombstones.size());
      for (Tombstone t : tombstones) {
        out.writeUTF(t.id());
        out.writeUTF(t.key());
        out.writeLong(t.until().toEpochMilli());
        out.writeBoolean(t.checkObject());
      }
      out.flush();
      byte[] payload = raw.toByteArray();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length / 3 + 64);
      try (GZIPOutputStream gzip = new GZIPOutputStream(bytes, 1 << 16)) {
        gzip.write(payload);
        gzip.write(sha256().digest(payload));
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("writing to memory failed", e);
    }
  }

  /** Reads what {@link #toBytes} wrote for {@code expectedPrefix}, or says why it cannot. */
  public static Checkpoint fromBytes(byte[] bytes, String expectedPrefix) throws Unreadable {
    byte[] all;
    try (InputStream gzip = new GZIPInputStream(new ByteArrayInputStream(bytes), 1 << 16)) {
      all = gzip.readAllBytes();
    } catch (IOException e) {
      throw new Unreadable("not gzip, or cut short", e);
    }
    if (all.length < 32 || !Arrays.equals(
        sha256().digest(Arrays.copyOf(all, all.length - 32)),
        Arrays.copyOfRange(all, all.length - 32, all.length))) {
      throw new Unreadable("its checksum does not match: altered or cut short");
    }
    try {
      DataInputStream in = new DataInputStream(
          new ByteArrayInputStream(all, 0, all.length - 32));
      if (in.readInt() != MAGIC) {
        throw new Unreadable("not a checkpoint");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new Unreadable("version " + version + ", expected " + VERSION);
      }
      Instant takenAt = Instant.ofEpochMilli(in.readLong());
      String prefix = in.readUTF();
      if (!prefix.equals(expectedPrefix)) {
        throw new Unreadable("taken for key prefix '" + prefix + "', not '" + expectedPrefix + "'");
      }
      String[] owners = readNames(in);
      String[] types = readNames(in);
      int count = in.readInt();
      if (count < 0) {
        throw new Unreadable("a negative count");
      }
      List<Upload> completed = new ArrayList<>(Math.min(count, 1 << 20));
      String previous = null;
      for (int i = 0; i < count; i++) {
        String key = in.readUTF();
        if (previous != null && key.compareTo(previous) <= 0) {
          throw new Unreadable("entries out of key order at " + key);
        }
        previous = key;
        String id = in.readUTF();
        String owner = name(owners, in.readInt());
        String filename = in.readUTF();
        String type = name(types, in.readInt());
        long size = in.readLong();
        Instant at = Instant.ofEpochSecond(in.readLong(), in.readInt());
        Optional<String> etag = readOptional(in);
        Optional<String> checksum = readOptional(in);
        int pairs = in.readUnsignedShort();
        Map<String, String> metadata = pairs == 0 ? Map.of() : new LinkedHashMap<>();
        for (int p = 0; p < pairs; p++) {
          metadata.put(in.readUTF(), in.readUTF());
        }
        completed.add(new Upload(id, owner, owner, key, filename, type, size, checksum,
            metadata, at, at, Optional.of(at), etag, Optional.empty()));
      }
      int tombstoneCount = in.readInt();
      if (tombstoneCount < 0) {
        throw new Unreadable("a negative count");
      }
      List<Tombstone> tombstones = new ArrayList<>(Math.min(tombstoneCount, 1 << 16));
      for (int i = 0; i < tombstoneCount; i++) {
        tombstones.add(new Tombstone(in.readUTF(), in.readUTF(),
            Instant.ofEpochMilli(in.readLong()), in.readBoolean()));
      }
      if (in.read() != -1) {
        throw new Unreadable("data after the last tombstone");
      }
      return new Checkpoint(takenAt, prefix, completed, tombstones);
    } catch (EOFException e) {
      throw new Unreadable("cut short", e);
    } catch (IOException | RuntimeException e) {
      throw new Unreadable("unreadable: " + e.getMessage(), e);
    }
  }

  private static Map<String, Integer> dictionary(List<Upload> uploads, boolean owners) {
    Map<String, Integer> names = new HashMap<>();
    for (Upload u : uploads) {
      names.putIfAbsent(owners ? u.owner() : u.contentType(), names.size());
    }
    return names;
  }

  private static void writeNames(DataOutputStream out, Map<String, Integer> names)
      throws IOException {
    String[] ordered = new String[names.size()];
    names.forEach((name, index) -> ordered[index] = name);
    out.writeInt(ordered.length);
    for (String name : ordered) {
      out.writeUTF(name);
    }
  }

  private static String[] readNames(DataInputStream in) throws IOException, Unreadable {
    int count = in.readInt();
    if (count < 0 || count > 10_000_000) {
      throw new Unreadable("a name table of " + count);
    }
    String[] names = new String[count];
    for (int i = 0; i < count; i++) {
      // One instance of each owner and type for all the entries, as the registry keeps them.
      names[i] = in.readUTF();
    }
    return names;
  }

  private static String name(String[] names, int index) throws Unreadable {
    if (index < 0 || index >= names.length) {
      throw new Unreadable("a name index out of range");
    }
    return names[index];
  }

  private static void writeOptional(DataOutputStream out, Optional<String> value)
      throws IOException {
    out.writeBoolean(value.isPresent());
    if (value.isPresent()) {
      out.writeUTF(value.get());
    }
  }

  private static Optional<String> readOptional(DataInputStream in) throws IOException {
    return in.readBoolean() ? Optional.of(in.readUTF()) : Optional.empty();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
