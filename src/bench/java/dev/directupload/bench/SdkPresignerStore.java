package dev.directupload.bench;

import dev.directupload.storage.ListedObject;
import dev.directupload.storage.MultipartSpec;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.OpenMultipart;
import dev.directupload.storage.PartSpec;
import dev.directupload.storage.PostSpec;
import dev.directupload.storage.PreflightAnswer;
import dev.directupload.storage.PresignedPost;
import dev.directupload.storage.PresignedPut;
import dev.directupload.storage.PutSpec;
import dev.directupload.storage.StoredObject;
import dev.directupload.storage.StoredPart;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * The presign path as it was before our own signer: the SDK's S3Presigner, with the same answer
 * shape. Only for comparing the whole {@code UploadService.presign} path; nothing else works.
 */
final class SdkPresignerStore implements ObjectStore {
  private final S3Presigner presigner;
  private final String bucket;

  SdkPresignerStore(S3Presigner presigner, String bucket) {
    this.presigner = presigner;
    this.bucket = bucket;
  }

  @Override
  public PresignedPut presignPut(PutSpec spec) {
    PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(spec.key())
        .contentType(spec.contentType()).contentLength(spec.size()).metadata(spec.metadata());
    spec.checksumSha256().ifPresent(put::checksumSHA256);
    if (spec.publicRead()) {
      put.acl(ObjectCannedACL.PUBLIC_READ);
    }
    PresignedPutObjectRequest signed = presigner.presignPutObject(
        r -> r.signatureDuration(spec.expiry()).putObjectRequest(put.build()));
    Map<String, String> headers = new LinkedHashMap<>();
    signed.signedHeaders().forEach((name, values) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      if (!lower.equals("host") && !lower.equals("content-length")) {
        headers.put(name, String.join(",", values));
      }
    });
    try {
      return new PresignedPut(signed.url().toURI().toString(), headers,
          signed.expiration().truncatedTo(ChronoUnit.SECONDS));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public PresignedPost presignPost(PostSpec spec) {
    throw new UnsupportedOperationException();
  }

  @Override
  public String startMultipart(MultipartSpec spec) {
    throw new UnsupportedOperationException();
  }

  @Override
  public PresignedPut presignPart(PartSpec spec) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Optional<List<StoredPart>> listParts(String key, String uploadId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public boolean completeMultipart(String key, String uploadId, List<StoredPart> parts,
      boolean writeOnce) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void abortMultipart(String key, String uploadId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void forEachOpenMultipart(String prefix, Consumer<OpenMultipart> sink) {
    throw new UnsupportedOperationException();
  }

  @Override
  public URI presignGet(String key, String contentDisposition, String contentType,
      Duration expiry) {
    throw new UnsupportedOperationException();
  }

  @Override
  public URI publicUrl(String key) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Optional<StoredObject> head(String key) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void delete(String key) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void forEachObject(String prefix, Consumer<StoredObject> sink) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void checkBucket(String prefix) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Optional<byte[]> readFirstBytes(String key, int max) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Optional<Boolean> isPubliclyReadable(String key) {
    throw new UnsupportedOperationException();
  }

  @Override
  public PreflightAnswer corsPreflight(String key, String origin, List<String> headers) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Optional<StoredObject> findFirst(String prefix) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void forEachKey(String prefix, String startAfter, Consumer<String> sink) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void forEachListed(String prefix, String startAfter, String lastKey,
      Consumer<ListedObject> sink) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void putRecord(String key, byte[] body) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Optional<byte[]> getRecord(String key) {
    throw new UnsupportedOperationException();
  }
}
