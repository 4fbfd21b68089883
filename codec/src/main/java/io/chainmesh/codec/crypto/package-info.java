/**
 * Node identity and signatures on secp256k1: {@link io.chainmesh.codec.crypto.NodeKey} (private),
 * {@link io.chainmesh.codec.crypto.PublicKey} (compressed public key), low-S ECDSA over SHA-256, and
 * Bitcoin signed messages as FluxOS uses them.
 */
package io.chainmesh.codec.crypto;
