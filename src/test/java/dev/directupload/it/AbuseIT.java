package dev.directupload.it;

import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.local.LocalS3;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One client cannot lock everyone else out: not by filling the room for unfinished uploads, not
 * by holding request threads with bodies sent a byte at a time, not by calling the API under
 * another host name (DNS rebinding). Over real HTTP against the app in embedded Jetty, whose
 * thread pool (200 threads) is what slow bodies would otherwise exhaust.
 */
class AbuseIT {
  private static final String BUCKET = "abuse";
  private static final String PRESIGN = "{\"filename\":\"a.txt\",\"contentType\":\"text/plain\","
      + "\"size\":5}";
  private static LocalS3 store;
  private static AppUnderTest app;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    app = AppUnderTest.start(store, BUCKET, "max-pending-per-user", "3", "body-timeout", "PT2S",
        "public-origin", "http://localhost");
    port = URI.create(app.base).getPort();
  }

  @AfterAll
  static void stop() {
    app.close();
    store.close();
  }

  /** Sends {@code request} from {@code local} and reads the answer up to the end of its body. */
  private static String exchange(String local, String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
      socket.setSoTimeout(15_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String presignRequest() {
    return "POST /direct-upload/api/uploads HTTP/1.1\r\nHost: localhost:" + port + "\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + PRESIGN.length()
        + "\r\nConnection: close\r\n\r\n" + PRESIGN;
  }

  @Test
  void oneAddressAtItsLimitOfUnfinishedUploadsLeavesRoomForAnother() throws Exception {
    String limited = "127.0.0.3";
    for (int i = 0; i < 3; i++) {
      assertTrue(exchange(limited, presignRequest()).startsWith("HTTP/1.1 201"));
    }
    String refused = exchange(limited, presignRequest());
    assertTrue(refused.startsWith("HTTP/1.1 429"), refused);
    assertTrue(refused.contains("\"code\":\"PENDING_LIMIT\""), refused);
    String other = exchange("127.0.0.4", presignRequest());
    assertTrue(other.startsWith("HTTP/1.1 201"), other);
  }

  @Test
  void slowBodiesHoldNoThreadAndAreCutOffAtTheirDeadline() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 230; i++) {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(15_000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /direct-upload/api/uploads HTTP/1.1\r\nHost: localhost:" + port
            + "\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n\r\n{")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        slow.add(socket);
      }
      // With a thread held per slow body, these would wait behind all 230 of them.
      HttpResponse<String> config = app.http.send(HttpRequest.newBuilder(
          URI.create(app.base + "api/config")).timeout(Duration.ofSeconds(15)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, config.statusCode());
      HttpResponse<String> presign = app.http.send(HttpRequest.newBuilder(
          URI.create(app.base + "api/uploads")).timeout(Duration.ofSeconds(15))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(PRESIGN)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(201, presign.statusCode(), presign.body());

      InputStream answer = slow.get(0).getInputStream();
      String cutOff = new String(answer.readNBytes(12), StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 408", cutOff);
      assertTrue(new String(answer.readAllBytes(), StandardCharsets.UTF_8)
          .contains("\"code\":\"BODY_TIMEOUT\""));
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }

  @Test
  void anotherHostNameIsRefusedOnTheApiButNotOnHealth() throws Exception {
    String rebound = exchange("127.0.0.1", "GET /direct-upload/api/files HTTP/1.1\r\n"
        + "Host: attacker.example:" + port + "\r\nOrigin: http://attacker.example:" + port
        + "\r\nConnection: close\r\n\r\n");
    assertTrue(rebound.startsWith("HTTP/1.1 421"), rebound);
    assertTrue(rebound.contains("\"code\":\"WRONG_HOST\""), rebound);
    String probe = exchange("127.0.0.1", "GET /direct-upload/api/health HTTP/1.1\r\n"
        + "Host: 10.1.2.3:" + port + "\r\nConnection: close\r\n\r\n");
    assertTrue(probe.startsWith("HTTP/1.1 200"), probe);
  }

  @Test
  void answersDoNotNameTheServerSoftware() throws Exception {
    HttpResponse<String> config = app.get("api/config");
    assertEquals(200, config.statusCode());
    assertFalse(config.headers().firstValue("Server").isPresent(), config.headers().toString());
    assertTrue(json(config).has("maxFileSizeText"));
  }
}
