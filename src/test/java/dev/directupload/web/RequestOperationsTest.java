package dev.directupload.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.directupload.ops.Operation;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which operation a request counts as in the metrics and the audit trail: Uppy's routes count as
 * the same operations as our own API, and a made-up path is "other", never a label of its own.
 */
class RequestOperationsTest {

  private static Operation of(String method, String servletPath, String pathInfo) {
    HttpServletRequest req = mock(HttpServletRequest.class);
    when(req.getMethod()).thenReturn(method);
    when(req.getServletPath()).thenReturn(servletPath);
    when(req.getPathInfo()).thenReturn(pathInfo);
    return RequestsFilter.operation(req);
  }

  @ParameterizedTest(name = "{0} s3{1} is {2}")
  @CsvSource({
      "GET, /params, PRESIGN",
      "POST, /multipart, PRESIGN",
      "GET, /multipart/AZy3PTIYtpkAt6HZ1DQVpg/3, PARTS",
      "GET, /multipart/AZy3PTIYtpkAt6HZ1DQVpg/batch, PARTS",
      "GET, /multipart/AZy3PTIYtpkAt6HZ1DQVpg, PARTS_LIST",
      "POST, /multipart/AZy3PTIYtpkAt6HZ1DQVpg/complete, COMPLETE",
      "DELETE, /multipart/AZy3PTIYtpkAt6HZ1DQVpg, DELETE",
      "POST, /params, OTHER",
      "GET, /multipart/AZy3PTIYtpkAt6HZ1DQVpg/complete, OTHER",
      "GET, /elsewhere/1/2/3, OTHER"})
  void uppysRoutesCountAsOurOperations(String method, String path, Operation expected) {
    assertEquals(expected, of(method, "/s3", path));
  }

  @Test
  void theBareServletPathIsOther() {
    assertEquals(Operation.OTHER, of("GET", "/s3", null));
    assertEquals(Operation.PREFLIGHT, of("OPTIONS", "/s3", "/params"));
  }
}
