package dev.directupload.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The official Standard Webhooks library for JavaScript ({@code standardwebhooks} from npm,
 * pinned in {@code src/test/node}), run with {@code node} to verify what the Java side signed: an
 * implementation that shares no code with ours.
 */
public final class StandardWebhooksJs {
  /** Strings as they are: the bodies are passed on byte for byte. */
  private static final Gson JSON = new GsonBuilder().disableHtmlEscaping().create();
  public static final Path DIR = Path.of("src", "test", "node");

  private StandardWebhooksJs() {}

  /** Whether the library accepts every one of {@code calls} as signed with {@code secret}. */
  public static Result verify(String secret, List<Receiver.Call> calls) {
    if (!Files.isDirectory(DIR.resolve("node_modules").resolve("standardwebhooks"))) {
      fail("The Standard Webhooks library is not installed: run `npm ci` in src/test/node"
          + " (the project's test script does it before the suite)");
    }
    List<Map<String, String>> messages = new ArrayList<>();
    for (Receiver.Call call : calls) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("secret", secret);
      m.put("id", call.id());
      m.put("timestamp", call.timestamp());
      m.put("signature", call.signature());
      m.put("body", call.body());
      messages.add(m);
    }
    try {
      Process node;
      try {
        node = new ProcessBuilder("node", "verify-webhooks.js").directory(DIR.toFile())
            .redirectErrorStream(true).start();
      } catch (IOException e) {
        return fail("Could not run `node` (Node.js must be installed for this test): " + e);
      }
      try (OutputStream in = node.getOutputStream()) {
        in.write(JSON.toJson(messages).getBytes(StandardCharsets.UTF_8));
      }
      String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!node.waitFor(60, TimeUnit.SECONDS)) {
        node.destroyForcibly();
        return fail("node did not finish within 60 s");
      }
      return new Result(node.exitValue() == 0, output);
    } catch (IOException e) {
      return fail("Could not talk to node: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fail("Interrupted");
    }
  }

  /** Whether all verified, and the library's words for each. */
  public record Result(boolean verified, String output) {}
}
