package dev.directupload.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A PostgreSQL server from Debian's binaries ({@code /usr/lib/postgresql/<newest>/bin}), started
 * from a fresh {@code initdb} in a temporary directory, listening on 127.0.0.1 only on a free port
 * (its unix socket in the same directory), stopped by a JVM shutdown hook. {@link #shared()} is
 * the one server of a test JVM, and each test class takes a database of its own
 * ({@link #createDatabase}); a test that stops or crashes the server starts its own
 * ({@link #startDedicated()}).
 *
 * <p>PostgreSQL refuses to run as root, and CI runs as root: then {@code initdb} and
 * {@code pg_ctl} run through {@code runuser -u postgres --} (the user Debian's package creates),
 * in a directory owned by it. Logins over TCP need the superuser's password (scram-sha-256), so a
 * wrong password is refused as in production. Durability: {@code fsync} is off (a crash of the
 * server process loses nothing the operating system received; only a power cut would), but
 * {@code synchronous_commit} is on, so a commit that returned survives a kill of the server.
 */
public final class TestPostgres {
  private static final Path DEBIAN = Path.of("/usr/lib/postgresql");
  private static final String SUPERUSER = "postgres";
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static TestPostgres shared;

  private final Path bin;
  private final Path dir;
  private final Path data;
  private final Path log;
  private final String password;
  private final boolean asRoot;
  private int port;

  private TestPostgres() throws IOException, InterruptedException {
    this.bin = newestBin();
    this.asRoot = "root".equals(System.getProperty("user.name"));
    this.dir = Files.createTempDirectory("direct-upload-pg");
    this.data = dir.resolve("data");
    this.log = dir.resolve("server.log");
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    this.password = "pw-" + HexFormat.of().formatHex(random);
    Path pwfile = dir.resolve("pwfile");
    Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
    if (asRoot) {
      chownToPostgres(dir);
      chownToPostgres(pwfile);
    }
    run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", SUPERUSER,
        "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
        "--encoding=UTF8", "--locale=C", "-N"), 120);
    Files.delete(pwfile);
    Runtime.getRuntime().addShutdownHook(new Thread(this::destroy, "test-postgres-stop"));
    start();
  }

  /** The server of this test JVM, started on first use (a couple of seconds). */
  public static synchronized TestPostgres shared() {
    if (shared == null) {
      shared = startDedicated();
    }
    return shared;
  }

  /** A server of its own, for a test that stops, crashes or restarts it. */
  public static TestPostgres startDedicated() {
    try {
      return new TestPostgres();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting PostgreSQL", e);
    }
  }

  public int port() {
    return port;
  }

  public String user() {
    return SUPERUSER;
  }

  public String password() {
    return password;
  }

  /** The JDBC URL of {@code database} on this server. */
  public String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /** A new, empty database named after {@code prefix}; returns its name. */
  public String createDatabase(String prefix) {
    String name = (prefix.replaceAll("[^A-Za-z0-9]", "_") + "_" + DATABASES.incrementAndGet())
        .toLowerCase(Locale.ROOT);
    admin("CREATE DATABASE " + name);
    return name;
  }

  /** Runs one statement as the superuser in the {@code postgres} database. */
  public void admin(String statement) {
    try (Connection c = DriverManager.getConnection(url("postgres"), SUPERUSER, password);
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException("could not run '" + statement + "' on the test server: "
          + e.getMessage(), e);
    }
  }

  /** Starts the server (again), on the port it had, or a free one the first time. */
  public synchronized void start() {
    if (port == 0) {
      port = freePort();
    }
    pgCtl("start", "-w", "-t", "60", "-l", log.toString(), "-o",
        "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir
            + " -c fsync=off -c full_page_writes=off -c max_connections=300");
  }

  /** A clean shutdown: sessions are ended, then the server stops. */
  public synchronized void stop() {
    pgCtl("stop", "-w", "-t", "60", "-m", "fast");
  }

  /** As a kill -9 of the server would: no shutdown, recovery from the log at the next start. */
  public synchronized void crash() {
    pgCtl("stop", "-w", "-t", "60", "-m", "immediate");
  }

  private void destroy() {
    try {
      if (Files.exists(data.resolve("postmaster.pid"))) {
        pgCtl("stop", "-w", "-t", "30", "-m", "immediate");
      }
    } catch (RuntimeException e) {
      // The JVM is going away; the directory is removed below all the same.
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a temporary directory.
    }
  }

  private void pgCtl(String... args) {
    List<String> command = new ArrayList<>();
    command.add(bin.resolve("pg_ctl").toString());
    command.add("-D");
    command.add(data.toString());
    command.addAll(List.of(args));
    try {
      run(command, 90);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running pg_ctl", e);
    }
  }

  private void run(List<String> command, int timeoutSeconds)
      throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asRoot) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Path output = Files.createTempFile("direct-upload-pg-cmd", ".txt");
    try {
      Process p = new ProcessBuilder(full).redirectErrorStream(true)
          .redirectOutput(output.toFile()).directory(dir.toFile()).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", full) + " did not finish within "
            + timeoutSeconds + " s: " + Files.readString(output));
      }
      if (p.exitValue() != 0) {
        String serverLog = Files.exists(log) ? "\nserver log:\n" + Files.readString(log) : "";
        throw new IllegalStateException(String.join(" ", full) + " exited with "
            + p.exitValue() + ": " + Files.readString(output) + serverLog);
      }
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** The newest {@code /usr/lib/postgresql/<version>/bin} that has initdb and pg_ctl. */
  private static Path newestBin() throws IOException {
    if (Files.isDirectory(DEBIAN)) {
      try (Stream<Path> versions = Files.list(DEBIAN)) {
        Path found = versions
            .filter(v -> v.getFileName().toString().matches("[0-9]+(\\.[0-9]+)?"))
            .filter(v -> Files.isExecutable(v.resolve("bin/initdb"))
                && Files.isExecutable(v.resolve("bin/pg_ctl")))
            .max(Comparator.comparingDouble(v -> Double.parseDouble(v.getFileName().toString())))
            .orElse(null);
        if (found != null) {
          return found.resolve("bin");
        }
      }
    }
    throw new IllegalStateException("PostgreSQL's server binaries were not found under "
        + DEBIAN + "/<version>/bin (initdb, pg_ctl): install the postgresql package first"
        + " (apt-get install -y postgresql)");
  }

  private static void chownToPostgres(Path path) throws IOException {
    UserPrincipal postgres;
    try {
      postgres = FileSystems.getDefault().getUserPrincipalLookupService()
          .lookupPrincipalByName("postgres");
    } catch (IOException e) {
      throw new IllegalStateException("running as root, PostgreSQL must run as the user"
          + " 'postgres', which does not exist: install the postgresql package (it creates"
          + " it)", e);
    }
    Files.setOwner(path, postgres);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
