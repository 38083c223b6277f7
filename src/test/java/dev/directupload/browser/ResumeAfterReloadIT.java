package dev.directupload.browser;

import static dev.directupload.browser.UploadPage.barValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;

/**
 * A large upload interrupted by a page reload continues when the same file is chosen again:
 * the page finds its unfinished upload, sends only the parts the store lacks, and the stored
 * file comes back byte for byte.
 */
class ResumeAfterReloadIT extends PageTest {
  private static final int MIB = 1 << 20;

  @TempDir
  static Path folder;

  @BeforeAll
  static void start() throws Exception {
    open(LocalSite.startMultipart("5MiB", "5MiB"));
  }

  @Test
  void reloadedPageSendsOnlyTheMissingParts() throws Exception {
    String name = "river-crossing.mp4";
    // Parts of 5, 5 and 1 MiB: on a slow network the small one is stored first.
    byte[] content = TestFiles.random(43, 11 * MIB);
    Path file = TestFiles.write(folder, name, content);
    page.open();

    page.throttleUploads(MIB);
    List<Integer> storedBefore;
    try {
      page.choose(file);
      WebElement row = page.upload(name);
      browser.waitUntil("a first part to be stored", d -> barValue(row) > 0);
      page.reload();
      String id = site.pendingUploads().get(0);
      storedBefore = site.storedParts(id);
    } finally {
      page.unthrottle();
    }
    assertTrue(!storedBefore.isEmpty() && storedBefore.size() < 3,
        "some parts but not all are stored: " + storedBefore);

    page.choose(file);
    page.waitForUpload(name, "done");

    Set<Integer> missing = new TreeSet<>(IntStream.rangeClosed(1, 3).boxed().toList());
    missing.removeAll(storedBefore);
    assertEquals(missing, new TreeSet<>(page.partPuts()), "parts sent after the reload");
    assertEquals(missing.size(), page.partPuts().size(), "each missing part sent once");
    String resumed = "Resuming: " + storedBefore.size() + " of 3 parts already stored";
    assertTrue(page.trace(name).get("details").toString().contains(resumed),
        "expected '" + resumed + "' in " + page.trace(name));
    List<Long> bars = page.bars(name);
    assertEquals(bars.stream().sorted().toList(), bars, "bar values never decrease");

    assertEquals(TestFiles.sha256(content), TestFiles.sha256(Files.readAllBytes(page.download(name))));
    assertEquals(List.of(), site.pendingUploads(), "nothing pending on the server");
    assertEquals(0, page.storedEntries(), "nothing left to resume");
  }
}
