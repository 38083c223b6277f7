package dev.directupload.it;

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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a loopback port, placed between the application and the store, that fails on
 * command the ways a real network and store fail. Switching the mode drops every open
 * connection, so pooled connections cannot slip past the new fault.
 */
final class FaultProxy implements AutoCloseable {
  enum Mode {
    /** Forward bytes both ways. */
    PASS,
    /** Accept, then reset the connection. */
    RESET,
    /** Accept and never answer. */
    HANG,
    /** Forward the request, then cut the response after a few bytes. */
    CUT,
    /** Answer every request with HTTP 500 and an S3 error body. */
    HTTP_500,
    /** Answer every request with HTTP 503 Slow Down. */
    HTTP_503
  }

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile Mode mode = Mode.PASS;
  /** What {@link #countRequests} counts; null: nothing. */
  private volatile String countedLine;
  private volatile int budget = Integer.MAX_VALUE;
  private final AtomicInteger counted = new AtomicInteger();

  FaultProxy(URI target) throws IOException {
    this.target = new InetSocketAddress(target.getHost(), target.getPort());
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  void mode(Mode next) {
    mode = next;
    for (Socket socket : open) {
      closeQuietly(socket);
    }
    open.clear();
  }

  /**
   * From now on, counts the requests passed on whose request line starts with
   * {@code requestLine} (such as {@code "HEAD /bucket/uploads/"}; looked for in everything the
   * client sends, so only for requests without bodies); the one past {@code budget} is not
   * passed on, and then every connection is reset ({@link Mode#RESET}), as a store that goes
   * away in the middle of a run.
   */
  void countRequests(String requestLine, int budget) {
    this.budget = budget;
    this.counted.set(0);
    this.countedLine = requestLine;
  }

  /** How many of the requests {@link #countRequests} looks for came, the refused one included. */
  int counted() {
    return counted.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        open.add(client);
        Thread handler = new Thread(() -> handle(client, mode), "fault-proxy-conn");
        handler.setDaemon(true);
        handler.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void handle(Socket client, Mode current) {
    try {
      switch (current) {
        case PASS -> pipe(client, Integer.MAX_VALUE);
        case CUT -> pipe(client, 12);
        case RESET -> {
          client.setSoLinger(true, 0);
          client.close();
        }
        case HANG -> client.getInputStream().transferTo(OutputStream.nullOutputStream());
        case HTTP_500 -> answer(client, "500 Internal Server Error", "InternalError");
        case HTTP_503 -> answer(client, "503 Slow Down", "SlowDown");
        default -> throw new IllegalStateException(current.name());
      }
    } catch (IOException e) {
      // the connection died, which is what faults are for
    } finally {
      open.remove(client);
      closeQuietly(client);
    }
  }

  /** Forwards the connection; the response is cut after {@code responseLimit} bytes. */
  private void pipe(Socket client, int responseLimit) throws IOException {
    try (Socket upstream = new Socket()) {
      upstream.connect(target, 5000);
      open.add(upstream);
      String line = countedLine;
      Thread requests = new Thread(() -> {
        if (line == null) {
          copy(client, upstream, Integer.MAX_VALUE);
        } else {
          forwardCounting(client, upstream, line);
        }
      }, "fault-proxy-up");
      requests.setDaemon(true);
      requests.start();
      copy(upstream, client, responseLimit);
    }
  }

  private static void copy(Socket from, Socket to, int limit) {
    byte[] buffer = new byte[16 * 1024];
    int sent = 0;
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while (sent < limit && (n = in.read(buffer)) >= 0) {
        int allowed = Math.min(n, limit - sent);
        out.write(buffer, 0, allowed);
        out.flush();
        sent += allowed;
      }
    } catch (IOException e) {
      // one side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  /** As {@link #copy} of the requests, counting those that start with {@code line}. */
  private void forwardCounting(Socket from, Socket to, String line) {
    byte[] buffer = new byte[16 * 1024];
    String carry = ""; // the end of the last read, which may hold the start of a request line
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buffer)) >= 0) {
        String seen = carry + new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
        int requests = 0;
        for (int at = seen.indexOf(line); at >= 0; at = seen.indexOf(line, at + 1)) {
          requests++;
        }
        carry = seen.substring(Math.max(0, seen.length() - line.length() + 1));
        if (requests > 0 && counted.addAndGet(requests) > budget) {
          mode(Mode.RESET);
          return;
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  /** Reads the request head and answers with an S3-style error. */
  private static void answer(Socket client, String status, String code) throws IOException {
    InputStream in = client.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      byte[] h = head.toByteArray();
      int l = h.length;
      if (l >= 4 && h[l - 4] == '\r' && h[l - 3] == '\n' && h[l - 2] == '\r' && h[l - 1] == '\n') {
        break;
      }
    }
    boolean isHead = head.toString(StandardCharsets.ISO_8859_1).startsWith("HEAD ");
    byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code
        + "</Code><Message>injected fault</Message></Error>").getBytes(StandardCharsets.UTF_8);
    String response = "HTTP/1.1 " + status + "\r\nContent-Type: application/xml\r\n"
        + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
    OutputStream out = client.getOutputStream();
    out.write(response.getBytes(StandardCharsets.ISO_8859_1));
    if (!isHead) {
      out.write(body);
    }
    out.flush();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    mode(Mode.PASS);
  }
}
