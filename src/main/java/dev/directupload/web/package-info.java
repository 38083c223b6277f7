/**
 * HTTP: the composition root, thin servlets that parse, call the service and write JSON, and the
 * one place that turns an {@link dev.directupload.upload.ApiException} into a JSON error.
 */
package dev.directupload.web;
