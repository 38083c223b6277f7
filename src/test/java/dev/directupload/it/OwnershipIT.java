package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalApp;
import dev.directupload.local.LocalS3;
import java.net.Authenticator;
import java.net.PasswordAuthentication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With container-managed authentication, each upload belongs to the user who started it: its key
 * lies under that user's folder, and to anyone else its id answers 404, as if it did not exist.
 */
class OwnershipIT {
  private static final String BUCKET = "owners";
  private static LocalS3 store;
  private static Server server;
  private static ApiClient alice;
  private static ApiClient bob;
  private static String base;

  /** A client that answers the Basic challenge as {@code user}. */
  private static ApiClient as(String user, String password) {
    return new ApiClient(base, ApiClient.newClient().authenticator(new Authenticator() {
      @Override
      protected PasswordAuthentication getPasswordAuthentication() {
        return new PasswordAuthentication(user, password.toCharArray());
      }
    }).build());
  }

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    server = LocalApp.newServer(0, "/direct-upload", Map.of(
        "direct-upload.bucket", BUCKET,
        "direct-upload.endpoint", store.endpoint().toString(),
        "direct-upload.region", LocalS3.REGION,
        "direct-upload.path-style", "true",
        "direct-upload.auth-role", "user"), List.of(
            new LocalApp.User("alice", "alice-pw", "user"),
            new LocalApp.User("bob", "bob-pw", "user"),
            new LocalApp.User("mallory", "mallory-pw", "guest"),
            new LocalApp.User("anonymous", "anonymous-pw", "user")));
    server.start();
    base = LocalApp.url(server, "/direct-upload");
    alice = as("alice", "alice-pw");
    bob = as("bob", "bob-pw");
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
    store.close();
  }

  private static String uploadAs(ApiClient user, String name) throws Exception {
    byte[] content = bytes("secret of " + name);
    JsonObject presign = user.presign(name, "text/plain", content.length);
    assertEquals(200, user.putAsBrowser(presign, content).statusCode());
    String id = presign.get("id").getAsString();
    assertEquals(200, user.post("api/uploads/" + id + "/complete", "{}").statusCode());
    return id;
  }

  @Test
  void anonymousCallersAreAskedToLogInExceptForThePageAndHealth() throws Exception {
    HttpClient anonymous = HttpClient.newHttpClient();
    for (String path : new String[] {"api/files", "api/uploads?status=pending", "api/config"}) {
      HttpResponse<String> answer = anonymous.send(
          HttpRequest.newBuilder(URI.create(base + path)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(401, answer.statusCode(), path);
      assertTrue(answer.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
    }
    for (String path : new String[] {"", "api/health"}) {
      assertEquals(200, anonymous.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode(), path);
    }
  }

  @Test
  void aUserWithoutTheRoleIsRefused() throws Exception {
    assertEquals(403, as("mallory", "mallory-pw").get("api/files").statusCode());
  }

  @Test
  void keysLieUnderTheOwnersFolder() throws Exception {
    JsonObject presign = alice.presign("mine.txt", "text/plain", 3);
    assertTrue(presign.get("key").getAsString().startsWith("uploads/alice/"),
        presign.get("key").getAsString());
    assertEquals("alice", presign.getAsJsonObject("headers").get("x-amz-meta-owner")
        .getAsString());
  }

  @Test
  void someoneElsesUploadIsInvisibleAndUntouchable() throws Exception {
    String id = uploadAs(alice, "alice-only.txt");

    assertTrue(alice.get("api/files").body().contains(id));
    assertFalse(bob.get("api/files").body().contains(id), "bob's list");
    assertEquals(404, bob.get("api/files/" + id + "/download").statusCode());
    assertEquals(404, bob.post("api/uploads/" + id + "/complete", "{}").statusCode());
    HttpResponse<String> delete = bob.delete("api/uploads/" + id);
    assertEquals(404, delete.statusCode());
    assertEquals("NOT_FOUND", json(delete).getAsJsonObject("error").get("code").getAsString());

    assertTrue(alice.get("api/files").body().contains(id), "still there after bob tried");
    assertEquals(302, alice.get("api/files/" + id + "/download").statusCode());
  }

  @Test
  void pendingUploadsAreOnlyTheOwnersToComplete() throws Exception {
    JsonObject presign = bob.presign("bobs.txt", "text/plain", 3);
    String id = presign.get("id").getAsString();
    assertEquals(200, bob.putAsBrowser(presign, bytes("abc")).statusCode());
    assertFalse(alice.get("api/uploads?status=pending").body().contains(id));
    assertTrue(bob.get("api/uploads?status=pending").body().contains(id));

    HttpResponse<String> complete = alice.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(404, complete.statusCode(), complete.body());
    assertEquals(404, alice.delete("api/uploads/" + id).statusCode());
    assertTrue(bob.get("api/uploads?status=pending").body().contains(id),
        "still bob's, still pending");
    assertEquals(200, bob.post("api/uploads/" + id + "/complete", "{}").statusCode());
  }

  @Test
  void aUserNamedAnonymousIsRefusedForTheFilesUploadedWithoutSignIn() throws Exception {
    HttpResponse<String> list = as("anonymous", "anonymous-pw").get("api/files");
    assertEquals(403, list.statusCode(), list.body());
    assertEquals("FORBIDDEN_USER", json(list).getAsJsonObject("error").get("code").getAsString());
  }

  @Test
  void healthTellsOnlyTheStatusToCallersWhoAreNotSignedIn() throws Exception {
    HttpResponse<String> open = new ApiClient(base).get("api/health");
    assertEquals(200, open.statusCode());
    assertEquals(Set.of("status"), json(open).keySet(), open.body());
    // A browser sends the page's Basic credentials again with api/health, unasked.
    HttpResponse<String> signedIn = ApiClient.newClient().build().send(HttpRequest.newBuilder(
        URI.create(base + "api/health")).header("Authorization", "Basic "
            + java.util.Base64.getEncoder().encodeToString(bytes("alice:alice-pw"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, signedIn.statusCode());
    assertTrue(json(signedIn).has("files"), signedIn.body());
    assertTrue(json(signedIn).has("cors"), signedIn.body());
  }
}
