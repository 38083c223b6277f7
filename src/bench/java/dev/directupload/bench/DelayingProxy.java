package dev.directupload.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A loopback TCP proxy for HTTP/1.1 that holds every request for a fixed time before passing it
 * on: the round trip to a bucket in a real region, without its bandwidth limit. Each request's
 * head is read whole, held until {@code delay} after it arrived, then forwarded with its body
 * (by Content-Length or chunked framing); answers flow back at once. So every request to the
 * store takes at least {@code delay} longer, and requests on different connections are held at
 * the same time, as many as the client opens connections (a request never waits for another
 * connection's). Opening a connection costs nothing extra (no TCP or TLS handshake round trips),
 * and neither does the wait for {@code 100 Continue}.
 *
 * <p>Works in front of any HTTP/1.1 endpoint on loopback (BenchS3, S3Proxy); counts requests by
 * method. Two platform threads per client connection.
 */
public final class DelayingProxy implements AutoCloseable {
  public static final Duration DEFAULT_DELAY = Duration.ofMillis(25);
  /** Longest request head accepted: S3 allows 8 KiB of headers; signed URLs are long. */
  private static final int MAX_HEAD = 64 * 1024;

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final long delayNanos;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Map<String, LongAdder> byMethod = new ConcurrentHashMap<>();

  private DelayingProxy(InetSocketAddress target, Duration delay) throws IOException {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("expected a delay of 0 or more but got " + delay);
    }
    this.target = target;
    this.delayNanos = delay.toNanos();
    this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "delaying-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** In front of {@code 127.0.0.1:targetPort}, every request held {@link #DEFAULT_DELAY}. */
  public static DelayingProxy start(int targetPort) throws IOException {
    return start(targetPort, DEFAULT_DELAY);
  }

  public static DelayingProxy start(int targetPort, Duration delay) throws IOException {
    return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), delay);
  }

  public static DelayingProxy start(InetSocketAddress target, Duration delay) throws IOException {
    return new DelayingProxy(target, delay);
  }

  /** {@code http://127.0.0.1:<port>}: use it as the store's endpoint. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port());
  }

  public int port() {
    return server.getLocalPort();
  }

  public Duration delay() {
    return Duration.ofNanos(delayNanos);
  }

  /** Requests forwarded so far, all methods. */
  public long requests() {
    return byMethod.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Requests forwarded so far by HTTP method ("GET", "HEAD", "PUT"...), sorted by method. */
  public Map<String, Long> requestsByMethod() {
    Map<String, Long> snapshot = new TreeMap<>();
    byMethod.forEach((method, count) -> snapshot.put(method, count.sum()));
    return snapshot;
  }

  public void resetCounts() {
    byMethod.values().forEach(LongAdder::reset);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      open.add(client);
      Thread requests = new Thread(() -> serve(client), "delaying-proxy-requests");
      requests.setDaemon(true);
      requests.start();
    }
  }

  /** One client connection: its requests, held and forwarded in turn; answers copied back. */
  private void serve(Socket client) {
    Socket upstream = new Socket();
    open.add(upstream);
    try {
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      upstream.connect(target, 5000);
      Thread answers = new Thread(() -> copyAnswers(upstream, client), "delaying-proxy-answers");
      answers.setDaemon(true);
      answers.start();
      InputStream in = new BufferedInputStream(client.getInputStream(), 64 * 1024);
      OutputStream out = upstream.getOutputStream();
      while (forwardOne(in, out)) {
        // next request on this connection
      }
      upstream.shutdownOutput();
    } catch (IOException | RuntimeException e) {
      closeQuietly(client); // either side went away, or sent no HTTP: end the connection
      closeQuietly(upstream);
    } finally {
      open.remove(client);
    }
  }

  /** Reads one request, holds it, forwards it; false at the end of the connection. */
  private boolean forwardOne(InputStream in, OutputStream out) throws IOException {
    byte[] head = readHead(in);
    if (head == null) {
      return false;
    }
    long due = System.nanoTime() + delayNanos;
    String text = new String(head, StandardCharsets.ISO_8859_1);
    int space = text.indexOf(' ');
    String method = space > 0 ? text.substring(0, space) : "?";
    long length = 0;
    boolean chunked = false;
    for (String line : text.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      if (name.equals("content-length")) {
        length = Long.parseLong(value);
      } else if (name.equals("transfer-encoding")) {
        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
      }
    }
    for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
    out.write(head);
    out.flush();
    byMethod.computeIfAbsent(method, m -> new LongAdder()).increment();
    if (chunked) {
      copyChunked(in, out);
    } else {
      copyExactly(in, out, length);
    }
    out.flush();
    return true;
  }

  /** The request line and headers up to and including the blank line; null at a clean end. */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(1024);
    int last4 = 0; // the last four bytes read, to spot "\r\n\r\n"
    while (last4 != 0x0D0A0D0A) {
      int b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new IOException("connection ended inside a request head");
      }
      if (head.size() == 0 && (b == '\r' || b == '\n')) {
        continue; // stray line breaks between requests
      }
      head.write(b);
      if (head.size() > MAX_HEAD) {
        throw new IOException("request head longer than " + MAX_HEAD + " bytes");
      }
      last4 = last4 << 8 | b;
    }
    return head.toByteArray();
  }

  private static void copyExactly(InputStream in, OutputStream out, long length)
      throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("connection ended " + left + " bytes before the end of a body");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  /** Copies a chunked body as it is, framing included, through the last chunk and trailers. */
  private static void copyChunked(InputStream in, OutputStream out) throws IOException {
    while (true) {
      String sizeLine = copyLine(in, out);
      int semicolon = sizeLine.indexOf(';');
      long size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon))
          .trim(), 16);
      if (size == 0) {
        while (!copyLine(in, out).isEmpty()) {
          // trailers, up to the blank line
        }
        return;
      }
      copyExactly(in, out, size);
      copyLine(in, out); // the CRLF after the chunk
    }
  }

  /** Copies one line with its CRLF; returns it without. */
  private static String copyLine(InputStream in, OutputStream out) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(32);
    int previous = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection ended inside a chunked body");
      }
      out.write(b);
      if (previous == '\r' && b == '\n') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
      previous = b;
    }
  }

  private void copyAnswers(Socket upstream, Socket client) {
    byte[] buffer = new byte[64 * 1024];
    try {
      InputStream in = upstream.getInputStream();
      OutputStream out = client.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // either side went away; both are closed below
    } finally {
      closeQuietly(client);
      closeQuietly(upstream);
      open.remove(upstream);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      closeQuietly(socket);
    }
    open.clear();
  }
}
