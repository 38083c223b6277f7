package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.directupload.local.LocalS3;
import dev.directupload.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/** {@link QuotaContract} over the PostgreSQL registry: admissions are counted in the database. */
class PostgresQuotaIT extends QuotaContract {
  @BeforeAll
  static void start() throws Exception {
    TestPostgres server = TestPostgres.shared();
    String database = server.createDatabase("quotas");
    s3 = LocalS3.inMemory(false).withBucket(BUCKET);
    List<String> settings = new ArrayList<>(List.of(QUOTA_SETTINGS));
    settings.addAll(List.of("database-url", server.url(database),
        "database-user", server.user(), "database-password", server.password()));
    app = AppUnderTest.start(s3, BUCKET, settings.toArray(String[]::new));
    // The database is connected and migrated in the background: the app answers at once.
    HttpResponse<String> health = app.awaitHealth(200);
    assertEquals(200, health.statusCode(), health.body());
  }
}
