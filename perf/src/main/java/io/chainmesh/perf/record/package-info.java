/**
 * Cost of the encrypted record layer: AEAD seal/open per record (JMH) and encrypted vs plaintext links
 * end to end ({@link io.chainmesh.perf.record.EncryptionComparison}).
 */
package io.chainmesh.perf.record;
