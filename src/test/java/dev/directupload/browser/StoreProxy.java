package dev.directupload.browser;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The network between the store and whoever talks to it: a loopback proxy that the app is given
 * as the store's endpoint, so the URLs it signs send the browser through here too. It forwards
 * every request, notes each part PUT and each GET of an object, and can fail or hold the next
 * PUT of one part the way a real network does, or answer a PUT as a store does when the object
 * is already there.
 *
 * <p>Each request goes on a connection of its own (the store is asked to close after answering).
 * Chromium quietly sends a request again when a connection it had used before fails without an
 * answer; on a fresh connection it reports the failure to the page, which is what a test of the
 * page's own retries needs.
 */
final class StoreProxy implements AutoCloseable {
  private static final int MAX_HEAD_BYTES = 64 * 1024;
  /** Longer than any URL a test signs: holding a request for longer is a mistake in the test. */
  private static final long MAX_HOLD_SECONDS = 60;
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  private enum Fault {
    /** Forward the head and half the body, then reset the connection both ways. */
    CUT,
    /** Read the whole request, wait until the URL it was sent to has expired, then forward it. */
    HOLD_UNTIL_EXPIRED,
    /** Forward the request, then answer 412 Precondition Failed instead of the store's answer. */
    STORE_THEN_412
  }

  /** One GET of an object: its path and its {@code Range} header, "" when it had none. */
  /** A GET the store received; {@code userAgent} tells the browser's from the app's own. */
  record Get(String path, String range, String userAgent) {
    boolean fromTheApp() {
      return userAgent.startsWith("aws-sdk-java");
    }
  }

  /** The part number that stands for a PUT of a whole object (no partNumber). */
  private static final int WHOLE_OBJECT = 0;

  /** The next PUT of {@code partNumber} meets {@code fault}. */
  private record Planned(int partNumber, Fault fault) {}

  private final ServerSocket server;
  private final InetSocketAddress store;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  /** Part number → the signature of each PUT of that part that arrived, in order. */
  private final Map<Integer, List<String>> puts = new ConcurrentHashMap<>();
  private final AtomicReference<Planned> planned = new AtomicReference<>();
  private final List<Get> gets = new CopyOnWriteArrayList<>();

  StoreProxy(URI store) throws IOException {
    this.store = new InetSocketAddress(store.getHost(), store.getPort());
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "store-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  /**
   * The next PUT of part {@code partNumber} reaches the store only half way: then the
   * connection is reset both ways, as when a network drops. The store gets a request that ends half way.
   */
  void cutNextPut(int partNumber) {
    plan(new Planned(partNumber, Fault.CUT));
  }

  /**
   * The next PUT of part {@code partNumber} is held, body and all, until the URL it was sent to
   * has expired, and then forwarded: a store out of reach for longer than the URL lives.
   */
  void holdNextPutUntilExpired(int partNumber) {
    plan(new Planned(partNumber, Fault.HOLD_UNTIL_EXPIRED));
  }

  /**
   * The next PUT of a whole object (not a part) reaches the store, which stores it, and the
   * browser is answered 412 Precondition Failed: what S3 answers a PUT with
   * {@code If-None-Match: *} sent again after its first attempt got through unseen.
   */
  void storeThenAnswer412ToNextPut() {
    plan(new Planned(WHOLE_OBJECT, Fault.STORE_THEN_412));
  }

  /** The GETs of objects whose path contains {@code name}, in the order they arrived. */
  List<Get> gets(String name) {
    // The app reads the first bytes of each upload itself to check its type: not the page's.
    return gets.stream().filter(g -> g.path().contains(name) && !g.fromTheApp()).toList();
  }

  private void plan(Planned fault) {
    if (!planned.compareAndSet(null, fault)) {
      throw new IllegalStateException("expected no fault planned but " + planned.get() + " is");
    }
  }

  /** Whether the planned fault has yet to meet its request. */
  boolean faultPending() {
    return planned.get() != null;
  }

  /** The {@code X-Amz-Signature} of each PUT of part {@code partNumber} that arrived, in order. */
  List<String> puts(int partNumber) {
    return List.copyOf(puts.getOrDefault(partNumber, List.of()));
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        open.add(client);
        Thread handler = new Thread(() -> handle(client), "store-proxy-connection");
        handler.setDaemon(true);
        handler.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void handle(Socket client) {
    Socket upstream = new Socket();
    try (client; upstream) {
      InputStream in = new BufferedInputStream(client.getInputStream());
      Head head = Head.read(in);
      if (head == null) {
        return; // closed before sending a request
      }
      Fault fault = null;
      if ("GET".equals(head.method)) {
        gets.add(new Get(head.path, head.headers.getOrDefault("range", ""),
            head.headers.getOrDefault("user-agent", "")));
      }
      if ("PUT".equals(head.method)) {
        int part = head.query.containsKey("partNumber")
            ? Integer.parseInt(head.query.get("partNumber")) : WHOLE_OBJECT;
        puts.computeIfAbsent(part, p -> new CopyOnWriteArrayList<>())
            .add(head.query.get("X-Amz-Signature"));
        Planned next = planned.get();
        if (next != null && next.partNumber == part && planned.compareAndSet(next, null)) {
          fault = next.fault;
        }
      }
      InputStream request = in;
      if (fault == Fault.HOLD_UNTIL_EXPIRED) {
        // Read all of it first: the browser has then sent everything, so the store's refusal
        // reaches it whole, not lost to a connection reset while it was still sending.
        request = new ByteArrayInputStream(in.readNBytes((int) head.contentLength));
        waitUntilExpired(head);
      }
      upstream.connect(store, 5000);
      open.add(upstream);
      if (fault == Fault.STORE_THEN_412) {
        send(head, new ByteArrayInputStream(in.readNBytes((int) head.contentLength)), upstream);
        upstream.getInputStream().transferTo(OutputStream.nullOutputStream());
        client.getOutputStream().write(preconditionFailed(head.headers.get("origin")));
        return;
      }
      if (fault == Fault.CUT) {
        OutputStream toStore = upstream.getOutputStream();
        toStore.write(head.bytes);
        toStore.write(in.readNBytes((int) (head.contentLength / 2)));
        toStore.flush();
        client.setSoLinger(true, 0); // close() now resets the connection
        return;
      }
      // The store may answer before it has read the whole body (a refusal does): its answer is
      // read while the request is still being sent.
      InputStream rest = request;
      Thread sender = new Thread(() -> send(head, rest, upstream), "store-proxy-request");
      sender.setDaemon(true);
      sender.start();
      upstream.getInputStream().transferTo(client.getOutputStream());
    } catch (IOException e) {
      // one side closed: the other goes with it (try-with-resources)
    } finally {
      open.remove(client);
      open.remove(upstream);
    }
  }

  /** Sends the head, then the rest of the request; ends when either side closes. */
  private static void send(Head head, InputStream rest, Socket upstream) {
    try {
      OutputStream out = upstream.getOutputStream();
      out.write(head.bytes);
      out.flush();
      rest.transferTo(out);
    } catch (IOException e) {
      // closed, or the store stopped reading: the response side closes both
    }
  }

  /** S3's answer to a conditional PUT whose condition failed, readable by the page at {@code origin}. */
  private static byte[] preconditionFailed(String origin) {
    String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PreconditionFailed</Code>"
        + "<Message>At least one of the pre-conditions you specified did not hold</Message>"
        + "<Condition>If-None-Match</Condition></Error>";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 412 Precondition Failed\r\n"
        + (origin == null ? "" : "Access-Control-Allow-Origin: " + origin + "\r\nVary: Origin\r\n")
        + "Access-Control-Expose-Headers: ETag\r\nContent-Type: application/xml\r\n"
        + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(bytes);
    return out.toByteArray();
  }

  /** Parks until the store would find the URL expired: at X-Amz-Date plus X-Amz-Expires. */
  private static void waitUntilExpired(Head head) {
    long expires = Long.parseLong(head.query.get("X-Amz-Expires"));
    if (expires > MAX_HOLD_SECONDS) {
      throw new IllegalStateException("expected a URL that expires within " + MAX_HOLD_SECONDS
          + " s but it lives " + expires + " s: configure a shorter url-expiry");
    }
    long deadline = LocalDateTime.parse(head.query.get("X-Amz-Date"), AMZ_DATE)
        .toInstant(ZoneOffset.UTC).plusSeconds(expires).toEpochMilli();
    while (System.currentTimeMillis() < deadline) {
      LockSupport.parkUntil(deadline);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      try {
        socket.close();
      } catch (IOException e) {
        // already closed
      }
    }
  }

  /**
   * A request head as it goes to the store: with "Connection: close" in place of its own;
   * {@code headers} by lower-case name.
   */
  private record Head(String method, String path, Map<String, String> query,
      Map<String, String> headers, long contentLength, byte[] bytes) {

    /** Reads one request head, or returns null when the connection ends before any byte. */
    static Head read(InputStream in) throws IOException {
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        raw.write(b);
        if (raw.size() > MAX_HEAD_BYTES) {
          throw new IOException("expected a request head of at most " + MAX_HEAD_BYTES + " bytes");
        }
        if (b == '\n' && raw.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
          return parse(raw.toString(StandardCharsets.ISO_8859_1));
        }
      }
      if (raw.size() == 0) {
        return null;
      }
      throw new IOException("the connection ended inside a request head");
    }

    private static Head parse(String text) {
      String[] lines = text.split("\r\n");
      String[] requestLine = lines[0].split(" ");
      StringBuilder out = new StringBuilder(lines[0]).append("\r\n");
      long contentLength = 0;
      Map<String, String> headers = new HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        String name = lines[i].substring(0, lines[i].indexOf(':')).strip();
        String value = lines[i].substring(lines[i].indexOf(':') + 1).strip();
        headers.put(name.toLowerCase(Locale.ROOT), value);
        if (name.equalsIgnoreCase("Content-Length")) {
          contentLength = Long.parseLong(value);
        }
        if (!name.equalsIgnoreCase("Connection") && !name.equalsIgnoreCase("Keep-Alive")) {
          out.append(lines[i]).append("\r\n");
        }
      }
      out.append("Connection: close\r\n\r\n");
      String target = requestLine[1];
      String path = URLDecoder.decode(target.contains("?")
          ? target.substring(0, target.indexOf('?')) : target, StandardCharsets.UTF_8);
      return new Head(requestLine[0], path, query(target), headers, contentLength,
          out.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Map<String, String> query(String target) {
      Map<String, String> query = new HashMap<>();
      int start = target.indexOf('?');
      if (start < 0) {
        return query;
      }
      for (String pair : target.substring(start + 1).split("&")) {
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        query.put(URLDecoder.decode(name, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
      return query;
    }
  }
}
