package dev.directupload.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A real HTTP receiver on 127.0.0.1 (a free port) that records every request in arrival order and
 * answers with what {@link #responder} says; {@link #hang} makes it hold requests until closed.
 */
public final class Receiver implements AutoCloseable {
  public static final Duration DEADLINE = Duration.ofSeconds(30);

  /** One request as it arrived, and the status it was answered with. */
  public record Call(Map<String, String> headers, String body, int status) {
    public String id() {
      return headers.get("webhook-id");
    }

    public String timestamp() {
      return headers.get("webhook-timestamp");
    }

    public String signature() {
      return headers.get("webhook-signature");
    }

    public boolean acknowledged() {
      return status >= 200 && status < 300;
    }
  }

  /** An answer: its status and body. */
  public record Answer(int status, String body) {
    public static Answer status(int status) {
      return new Answer(status, "");
    }
  }

  /** Marks an answer that never comes (until the receiver is closed). */
  public static final Answer HANG = new Answer(-1, "");

  public final List<Call> calls = new CopyOnWriteArrayList<>();
  public volatile Function<Call, Answer> responder = call -> Answer.status(200);
  private final CountDownLatch released = new CountDownLatch(1);
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "test-receiver");
    t.setDaemon(true);
    return t;
  });
  private final int port;
  private HttpServer server;

  public Receiver() throws IOException {
    this(0);
  }

  private Receiver(int port) throws IOException {
    this.server = start(port);
    this.port = server.getAddress().getPort();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + port + "/hooks");
  }

  /** Stops listening: connections are refused until {@link #restart}. */
  public synchronized void stop() {
    server.stop(0);
  }

  /** Listens again on the same port. */
  public synchronized void restart() throws IOException {
    server = start(port);
  }

  /** The calls answered with 2xx, in arrival order. */
  public List<Call> acknowledged() {
    return calls.stream().filter(Call::acknowledged).toList();
  }

  private HttpServer start(int onPort) throws IOException {
    HttpServer s = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 50);
    s.setExecutor(threads);
    s.createContext("/", exchange -> {
      String body;
      try (InputStream in = exchange.getRequestBody()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Map<String, String> headers = new LinkedHashMap<>();
      exchange.getRequestHeaders().forEach((name, values) ->
          headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));
      Call arrived = new Call(headers, body, 0);
      Answer answer = responder.apply(arrived);
      if (answer == HANG) {
        calls.add(arrived);
        try {
          released.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.close();
        return;
      }
      calls.add(new Call(headers, body, answer.status()));
      byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("content-type", "application/json");
      exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    s.start();
    return s;
  }

  @Override
  public void close() {
    released.countDown();
    synchronized (this) {
      server.stop(0);
    }
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Polls until {@code condition} holds; fails with {@code what} at the deadline. */
  public static void awaitTrue(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Not true within " + DEADLINE + ": " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos()); // poll interval
    }
  }

  /** The ids of the calls, in order, for assertion messages. */
  public static List<String> ids(List<Call> calls) {
    List<String> ids = new ArrayList<>();
    calls.forEach(c -> ids.add(c.id() + "=" + c.status()));
    return ids;
  }
}
