/** The bucket: the only package that speaks the AWS SDK, behind the {@link dev.directupload.storage.ObjectStore} interface. */
package dev.directupload.storage;
