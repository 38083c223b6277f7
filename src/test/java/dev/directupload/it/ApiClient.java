package dev.directupload.it;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The API of one running application, spoken with the JDK's HTTP client as a script would. */
class ApiClient {
  final HttpClient http;
  final String base;

  /** {@code base} is the application's URL, ending in '/'. */
  ApiClient(String base) {
    this(base, newClient().build());
  }

  ApiClient(String base, HttpClient http) {
    this.base = base;
    this.http = http;
  }

  /** Redirects are not followed: tests look at them. */
  static HttpClient.Builder newClient() {
    return HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .followRedirects(HttpClient.Redirect.NEVER);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(base + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> delete(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Presigns; the answer's JSON, which the test checks was a 201. */
  JsonObject presign(String filename, String type, long size) throws Exception {
    HttpResponse<String> response = post("api/uploads", "{\"filename\":\"" + filename
        + "\",\"contentType\":\"" + type + "\",\"size\":" + size + "}");
    if (response.statusCode() != 201) {
      throw new AssertionError("presign answered " + response.statusCode() + ": " + response.body());
    }
    return json(response);
  }

  /** PUTs {@code body} to the presigned URL with exactly the headers the answer lists. */
  HttpResponse<String> putAsBrowser(JsonObject presign, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(presign.get("url").getAsString()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    presign.getAsJsonObject("headers").entrySet()
        .forEach(h -> put.header(h.getKey(), h.getValue().getAsString()));
    return http.send(put.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * POSTs {@code fields} in their order, then {@code file} last, as a browser posts a signed
   * form ({@code multipart/form-data}).
   */
  HttpResponse<String> postForm(String url, Map<String, String> fields, byte[] file)
      throws IOException, InterruptedException {
    String boundary = "----direct-upload-" + System.nanoTime();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (Map.Entry<String, String> field : fields.entrySet()) {
      body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\""
          + field.getKey() + "\"\r\n\r\n" + field.getValue() + "\r\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\";"
        + " filename=\"notes.txt\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8));
    body.writeBytes(file);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The ids of the caller's listed files (the first thousand), once the list is complete. */
  List<String> listedIds() throws IOException, InterruptedException {
    awaitCompleteList();
    return ids("api/files?limit=1000", "files");
  }

  /**
   * Waits until {@code api/files} says the list is complete: after a start the index is read
   * from the bucket in the background while the app already answers.
   */
  void awaitCompleteList() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      HttpResponse<String> files = get("api/files?limit=1");
      if (files.statusCode() == 200 && json(files).get("complete").getAsBoolean()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the file list was not complete within a minute: "
            + files.statusCode() + " " + files.body());
      }
      java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
    }
  }

  /** The ids of the caller's pending uploads. */
  List<String> pendingIds() throws IOException, InterruptedException {
    return ids("api/uploads?status=pending", "uploads");
  }

  private List<String> ids(String path, String array) throws IOException, InterruptedException {
    HttpResponse<String> list = get(path);
    if (list.statusCode() != 200) {
      throw new AssertionError(path + " answered " + list.statusCode() + ": " + list.body());
    }
    List<String> ids = new ArrayList<>();
    json(list).getAsJsonArray(array)
        .forEach(f -> ids.add(f.getAsJsonObject().get("id").getAsString()));
    return ids;
  }

  /** Follows the download redirect and returns the bytes the store serves. */
  byte[] download(String id) throws IOException, InterruptedException {
    HttpResponse<String> redirect = get("api/files/" + id + "/download");
    if (redirect.statusCode() != 302) {
      throw new AssertionError("download answered " + redirect.statusCode() + ": "
          + redirect.body());
    }
    HttpResponse<byte[]> download = http.send(HttpRequest.newBuilder(
        URI.create(redirect.headers().firstValue("Location").orElseThrow())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (download.statusCode() != 200) {
      throw new AssertionError("the store answered " + download.statusCode());
    }
    return download.body();
  }

  /**
   * {@code api/health} once it answers {@code status}: its look at the store is kept for a few
   * seconds, so a change of the store shows within that time, not at once.
   */
  HttpResponse<String> awaitHealth(int status) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (true) {
      HttpResponse<String> health = get("api/health");
      if (health.statusCode() == status || System.nanoTime() > deadline) {
        return health;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
    }
  }

  static JsonObject json(HttpResponse<String> response) {
    return JsonParser.parseString(response.body()).getAsJsonObject();
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
