/**
 * The encrypted record layer's wire form and its AEAD state: {@link io.chainmesh.codec.record.RecordDescriptor}
 * (layout, limits), {@link io.chainmesh.codec.record.RecordAead} (the two JDK AEADs) and
 * {@link io.chainmesh.codec.record.RecordCipher} (one direction: keys, sequence-numbered nonces, rekey),
 * plus {@link io.chainmesh.codec.record.SessionKeys}, the key schedule from the handshake.
 */
package io.chainmesh.codec.record;
