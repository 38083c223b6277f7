package dev.directupload.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.events.PreCreateHook.Decision;
import dev.directupload.testing.Receiver;
import dev.directupload.testing.StandardWebhooksJs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pre-create hook decides only through the documented answers; anything else is
 * "unavailable" (nothing gets signed), and the hook hears only the headers it was promised,
 * signed so that the official Standard Webhooks library verifies the call.
 */
class PreCreateHookTest {
  private static final PreCreateHook.Request REQUEST =
      new PreCreateHook.Request("alice", "Ünïcødé report.pdf", "application/pdf", 1234567L);
  private static final Function<String, List<String>> NO_HEADERS = name -> List.of();

  private final Receiver receiver;
  private final PreCreateHook hook;

  PreCreateHookTest() throws IOException {
    receiver = new Receiver();
    hook = hook(receiver.uri(), PreCreateHook.DEFAULT_TIMEOUT, List.of("Cookie", "authorization"));
  }

  private static PreCreateHook hook(URI url, Duration timeout, List<String> headers) {
    return new PreCreateHook(url, WebhookSigner.parse(WebhookDelivererTest.SECRET), timeout,
        headers, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    hook.close();
    receiver.close();
  }

  private Decision answer(int status, String body) {
    receiver.responder = call -> new Receiver.Answer(status, body);
    return hook.decide(REQUEST, NO_HEADERS);
  }

  private void assertUnavailable(String reasonPart, Decision decision) {
    Decision.Unavailable unavailable = assertInstanceOf(Decision.Unavailable.class, decision);
    assertTrue(unavailable.reason().contains(reasonPart), unavailable.reason());
  }

  @Test
  void allowsWithAnEmptyObject() {
    assertEquals(new Decision.Allow(Map.of()), answer(200, "{}"));
  }

  @Test
  void allowsWithNoContent() {
    assertEquals(new Decision.Allow(Map.of()), answer(204, ""));
  }

  @Test
  void allowsWithMetadataToStoreWithTheObject() {
    assertEquals(new Decision.Allow(Map.of("project", "apollo-11", "tier", "gold plus")),
        answer(200, "{\"metadata\":{\"project\":\"apollo-11\",\"tier\":\"gold plus\"},"
            + "\"comment\":\"unknown fields are ignored\"}"));
  }

  @Test
  void rejectsWithTheStatusAndMessageItWasGiven() {
    assertEquals(new Decision.Reject(403, "Quota exceeded: 10 GB"),
        answer(200, "{\"reject\":{\"status\":403,\"message\":\"Quota exceeded: 10 GB\"}}"));
  }

  @Test
  void aRejectMessageLosesControlAndBidiCharactersAndIsBounded() {
    String longer = "x".repeat(PreCreateHook.MAX_MESSAGE_CHARS + 50);
    Decision decision = answer(200, "{\"reject\":{\"status\":413,\"message\":\" Too\\u0000 big"
        + "\\n\\u202Egnp.exe\\u001b[31m " + longer + "\"}}");
    Decision.Reject reject = assertInstanceOf(Decision.Reject.class, decision);
    assertEquals(413, reject.status());
    assertTrue(reject.message().startsWith("Too big gnp.exe [31m xxx"), reject.message());
    assertEquals(PreCreateHook.MAX_MESSAGE_CHARS, reject.message().length());
  }

  @Test
  void aRejectWithoutAMessageGetsAPlainOne() {
    assertEquals(new Decision.Reject(400, PreCreateHook.DEFAULT_REJECT_MESSAGE),
        answer(200, "{\"reject\":{\"status\":400}}"));
  }

  @Test
  void aRejectWithStatus500IsNotADecision() {
    assertUnavailable("reject status of 500", answer(200,
        "{\"reject\":{\"status\":500,\"message\":\"no\"}}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"399", "403.5", "\"403\"", "4e2x"})
  void aRejectStatusOutside4xxOrNotAWholeNumberIsNotADecision(String status) {
    assertInstanceOf(Decision.Unavailable.class,
        answer(200, "{\"reject\":{\"status\":" + status + "}}"));
  }

  @Test
  void aStatusOtherThan2xxIsUnavailable() {
    assertUnavailable("answered 500", answer(500, "{}"));
    assertUnavailable("answered 403", answer(403, "{\"reject\":{\"status\":403}}"));
    assertUnavailable("redirects are not followed", answer(302, ""));
  }

  @Test
  void noAnswerWithinTheTimeoutIsUnavailable() {
    receiver.responder = call -> Receiver.HANG;
    try (PreCreateHook impatient = hook(receiver.uri(), Duration.ofMillis(300), List.of())) {
      assertUnavailable("no answer within PT0.3S", impatient.decide(REQUEST, NO_HEADERS));
    }
  }

  @Test
  void aRefusedConnectionIsUnavailable() throws IOException {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    try (PreCreateHook nobody = hook(URI.create("http://127.0.0.1:" + port + "/"),
        Duration.ofSeconds(2), List.of())) {
      assertUnavailable("could not connect", nobody.decide(REQUEST, NO_HEADERS));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"{", "[]", "\"allow\"", "{\"metadata\":{}} {}", "{reject:1}",
      "{\"metadata\":{},\"metadata\":{}}", "{'metadata':{}}"})
  void answersThatAreNotOneJsonObjectAreUnavailable(String body) {
    assertInstanceOf(Decision.Unavailable.class, answer(200, body));
  }

  @Test
  void anAnswerTooLargeIsUnavailable() {
    String big = "{\"metadata\":{},\"pad\":\"" + "x".repeat(PreCreateHook.MAX_ANSWER_BYTES) + "\"}";
    assertUnavailable("more than", answer(200, big));
  }

  @Test
  void bothRejectAndMetadataIsUnavailable() {
    assertUnavailable("both", answer(200,
        "{\"reject\":{\"status\":403},\"metadata\":{\"a\":\"b\"}}"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"Project\":\"x\"}",            // upper case
      "{\"my_name\":\"x\"}",            // underscore
      "{\"-lead\":\"x\"}",              // starts with a hyphen
      "{\"upload-id\":\"x\"}",          // ours
      "{\"owner\":\"mallory\"}",        // ours
      "{\"filename\":\"x\"}",           // ours
      "{\"n\":1}",                      // not a string
      "{\"n\":\"caf\\u00e9\"}",         // not US-ASCII
      "{\"n\":\"a\\nb\"}",              // control character
      "{\"n\":\" padded\"}",            // space at an end
      "{\"a\":\"1\",\"b\":\"1\",\"c\":\"1\",\"d\":\"1\",\"e\":\"1\",\"f\":\"1\",\"g\":\"1\","
          + "\"h\":\"1\",\"i\":\"1\",\"j\":\"1\",\"k\":\"1\"}", // 11 pairs
      "[\"a\",\"b\"]"                   // not an object
  })
  void invalidMetadataIsUnavailable(String metadata) {
    assertInstanceOf(Decision.Unavailable.class, answer(200, "{\"metadata\":" + metadata + "}"));
  }

  @Test
  void metadataOverOneKibibyteIsUnavailable() {
    String value = "v".repeat(PreCreateHook.MAX_METADATA_BYTES);
    assertUnavailable("bytes of metadata", answer(200, "{\"metadata\":{\"n\":\"" + value + "\"}}"));
    assertInstanceOf(Decision.Allow.class, answer(200, "{\"metadata\":{\"n\":\""
        + value.substring(1) + "\"}}"), "exactly 1 KiB is allowed");
  }

  @Test
  void theCallIsSignedSoTheOfficialLibraryVerifiesIt() {
    receiver.responder = call -> Receiver.Answer.status(204);
    hook.decide(REQUEST, NO_HEADERS);
    Receiver.Call call = receiver.calls.get(0);
    assertTrue(call.id().matches("req_[A-Za-z0-9_-]{22}"), call.id());
    assertEquals("application/json", call.headers().get("content-type"));
    StandardWebhooksJs.Result result = StandardWebhooksJs.verify(WebhookDelivererTest.SECRET,
        List.of(call));
    assertTrue(result.verified(), result.output());
    JsonObject body = JsonParser.parseString(call.body()).getAsJsonObject();
    assertEquals("alice", body.get("owner").getAsString());
    assertEquals("Ünïcødé report.pdf", body.get("filename").getAsString());
    assertEquals("application/pdf", body.get("contentType").getAsString());
    assertEquals(1234567L, body.get("size").getAsLong());
    assertEquals(new JsonObject(), body.get("headers"));
  }

  @Test
  void onlyTheNamedRequestHeadersAreForwardedAsReceived() {
    receiver.responder = call -> Receiver.Answer.status(204);
    Map<String, List<String>> sent = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    sent.put("Cookie", List.of("session=abc", "theme=dark"));
    sent.put("AUTHORIZATION", List.of("Bearer eyJ.x.y"));
    sent.put("X-Forwarded-For", List.of("203.0.113.9"));
    sent.put("Accept", List.of("application/json"));
    hook.decide(REQUEST, name -> sent.getOrDefault(name, List.of()));
    JsonObject headers = JsonParser.parseString(receiver.calls.get(0).body()).getAsJsonObject()
        .getAsJsonObject("headers");
    JsonObject expected = new JsonObject();
    expected.addProperty("cookie", "session=abc; theme=dark");
    expected.addProperty("authorization", "Bearer eyJ.x.y");
    assertEquals(expected, headers);
  }
}
