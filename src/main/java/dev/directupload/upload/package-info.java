/**
 * The use cases (presign, complete, list, download, delete), the rules for names, types and sizes,
 * the in-memory index of uploads, and the API's error vocabulary. Knows the storage interface, not
 * the SDK; knows HTTP only as the status number each error code carries.
 */
package dev.directupload.upload;
