package dev.directupload.it;

import static dev.directupload.it.Hooks.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.local.LocalS3;
import dev.directupload.testing.Receiver;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The pre-create hook over real HTTP decides every presign before anything is signed: an empty
 * answer allows; a rejection reaches the client in our error shape with the hook's status and
 * words; metadata is stored with the object; a hook that answers late or with an error makes the
 * presign 503 {@code HOOK_UNAVAILABLE}. The hook is shown exactly the headers named in
 * {@code pre-create-hook-headers}, and its request is signed like a webhook.
 */
class PreCreateHookIT {
  private static final String BUCKET = "pre-create";
  private static LocalS3 s3;
  private static Receiver hook;
  private static Receiver webhooks;
  private static AppUnderTest app;

  @BeforeAll
  static void start() throws Exception {
    s3 = LocalS3.inMemory(false).withBucket(BUCKET);
    hook = new Receiver();
    webhooks = new Receiver();
    List<String> settings = new ArrayList<>(Hooks.webhookSettings(webhooks));
    settings.addAll(List.of("index-refresh", "PT0S",
        "pre-create-hook-url", hook.uri().toString(),
        "pre-create-hook-headers", "Cookie,Authorization",
        "pre-create-hook-timeout", "PT1S"));
    app = AppUnderTest.start(s3, BUCKET, settings.toArray(String[]::new));
  }

  @AfterAll
  static void stop() {
    try {
      app.close();
    } finally {
      try {
        hook.close();
        webhooks.close();
      } finally {
        s3.close();
      }
    }
  }

  @BeforeEach
  void forgetCalls() {
    hook.calls.clear();
  }

  private static void hookAnswers(int status, String body) {
    hook.responder = call -> new Receiver.Answer(status, body);
  }

  private static HttpResponse<String> presign(String name, long size, String... headers)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.base + "api/uploads"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"filename\":\"" + name
            + "\",\"contentType\":\"text/plain\",\"size\":" + size + "}"));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return app.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Nothing was signed: no URL in the answer, no pending upload, no object. */
  private static void assertNothingSigned(HttpResponse<String> answer) throws Exception {
    assertFalse(answer.body().contains("\"url\""), answer.body());
    assertEquals(List.of(), app.pendingIds());
    try (S3Client client = s3.client()) {
      assertEquals(List.of(), client.listObjectsV2(b -> b.bucket(BUCKET)
          .prefix("uploads/anonymous/")).contents(), "no object");
    }
  }

  @Test
  void anEmptyAnswerAllowsAndTheHookSeesOnlyTheNamedHeadersInASignedRequest() throws Exception {
    hookAnswers(200, "{}");
    HttpResponse<String> answer = presign("minutes.txt", 1234, "Cookie", "session=abc123",
        "Authorization", "Bearer eyJ.test", "X-Api-Key", "not-for-the-hook");
    assertEquals(201, answer.statusCode(), answer.body());
    String id = ApiClient.json(answer).get("id").getAsString();

    assertEquals(1, hook.calls.size());
    Receiver.Call call = hook.calls.get(0);
    assertEquals(JsonParser.parseString("""
        {"owner": "anonymous", "filename": "minutes.txt", "contentType": "text/plain",
         "size": 1234, "headers": {"cookie": "session=abc123", "authorization": "Bearer eyJ.test"}}
        """), body(call));
    assertFalse(call.headers().containsKey("cookie"), "forwarded in the body only");
    assertFalse(call.headers().containsKey("authorization"), "forwarded in the body only");
    assertFalse(call.headers().containsKey("x-api-key"));
    assertFalse(call.body().contains("not-for-the-hook"), call.body());
    assertEquals("application/json", call.headers().get("content-type"));
    assertTrue(call.id().startsWith("req_"), call.id());
    Hooks.assertSigned(hook.calls);
    assertEquals(204, app.delete("api/uploads/" + id).statusCode());
  }

  @Test
  void aRejectionReachesTheClientWithTheHooksStatusAndWords() throws Exception {
    for (int status : new int[] {403, 429}) {
      hookAnswers(200, "{\"reject\": {\"status\": " + status
          + ", \"message\": \"Invoices go to accounting, not here.\"}}");
      HttpResponse<String> answer = presign("invoice.txt", 10);
      assertEquals(status, answer.statusCode(), answer.body());
      assertEquals(JsonParser.parseString("{\"error\": {\"code\": \"REJECTED_BY_HOOK\","
          + " \"message\": \"Invoices go to accounting, not here.\"}}"),
          JsonParser.parseString(answer.body()));
      assertNothingSigned(answer);
    }
  }

  @Test
  void metadataFromTheHookIsStoredWithTheObjectAndAnnounced() throws Exception {
    hookAnswers(200, "{\"metadata\": {\"project\": \"apollo\", \"tier\": \"gold\"}}");
    byte[] body = ApiClient.bytes("apollo notes");
    JsonObject presign = Hooks.upload(app, "apollo.txt", body, false);
    assertEquals("apollo", presign.getAsJsonObject("headers").get("x-amz-meta-project")
        .getAsString(), "signed with the URL: " + presign);

    try (S3Client client = s3.client()) {
      Map<String, String> stored = client.headObject(b -> b.bucket(BUCKET)
          .key(presign.get("key").getAsString())).metadata();
      assertEquals("apollo", stored.get("project"), stored.toString());
      assertEquals("gold", stored.get("tier"), stored.toString());
    }
    String id = presign.get("id").getAsString();
    Hooks.await("the completion announced", Duration.ofSeconds(30),
        () -> webhooks.acknowledged().stream()
            .anyMatch(c -> c.id().equals(Hooks.eventId(id, "completed"))),
        () -> Receiver.ids(webhooks.calls));
    JsonObject data = body(Hooks.onlyAcknowledged(webhooks, Hooks.eventId(id, "completed")))
        .getAsJsonObject("data");
    assertEquals(JsonParser.parseString("{\"project\": \"apollo\", \"tier\": \"gold\"}"),
        data.get("metadata"));
    assertEquals(204, app.delete("api/uploads/" + id).statusCode());
  }

  @Test
  void aHookThatIsLateOrFailingMakesThePresignUnavailable() throws Exception {
    hook.responder = call -> Receiver.HANG;
    assertUnavailable(presign("late.txt", 10));
    hookAnswers(500, "{}");
    assertUnavailable(presign("failing.txt", 10));
    hookAnswers(200, "{\"reject\": {\"status\": 302, \"message\": \"elsewhere\"}}");
    assertUnavailable(presign("redirected.txt", 10));
    assertEquals(List.of("late.txt", "failing.txt", "redirected.txt"), hook.calls.stream()
        .map(c -> body(c).get("filename").getAsString()).collect(Collectors.toList()),
        "the hook was asked each time");
  }

  private static void assertUnavailable(HttpResponse<String> answer) throws Exception {
    assertEquals(503, answer.statusCode(), answer.body());
    assertEquals("HOOK_UNAVAILABLE", ApiClient.json(answer).getAsJsonObject("error")
        .get("code").getAsString());
    assertNothingSigned(answer);
  }
}
